import { describe, expect, it } from 'vitest';
import { clearTextWarnings } from './clear-text.js';
import type { ResolvedJobSpec } from './types.js';

function spec(dispatch: object, backend: object): ResolvedJobSpec {
  return { dispatch, backend } as unknown as ResolvedJobSpec;
}

describe('clearTextWarnings', () => {
  const local = { type: 'local' };
  const off = { mode: 'off' };
  it('warns of a dispatcher in clear text bound off loopback, not of one on loopback or with TLS', () => {
    expect(clearTextWarnings(spec({ type: 'dynamic', host: '127.0.0.1', tls: off }, local), false)).toEqual(
      [],
    );
    expect(clearTextWarnings(spec({ type: 'dynamic', host: '0.0.0.0', tls: off }, local), false)[0]).toMatch(
      /dispatcher listens on 0\.0\.0\.0 without encryption \(--dispatcher-tls off\)/,
    );
    for (const tls of [{ mode: 'self-signed' }, { mode: 'files', certFile: '/c', keyFile: '/k' }])
      expect(clearTextWarnings(spec({ type: 'dynamic', host: '0.0.0.0', tls }, local), false)).toEqual([]);
    expect(clearTextWarnings(spec({ type: 'static' }, local), false)).toEqual([]);
  });

  it('warns of a token or URL credentials sent over http:// off the machine, never printing them', () => {
    const urls = [
      'http://127.0.0.1:8080',
      'https://fn.example.com',
      'http://fn-1:8080',
      'http://u:pw@fn-2:8080',
    ];
    const withToken = clearTextWarnings(spec({ type: 'static' }, { type: 'http', urls }), true);
    expect(withToken).toHaveLength(2);
    expect(withToken[0]).toMatch(/the function token travels in clear text to http:\/\/fn-1:8080/);
    expect(withToken[1]).toMatch(/the URL's credentials travel in clear text to http:\/\/u:\*\*\*@fn-2:8080/);
    expect(
      clearTextWarnings(spec({ type: 'static' }, { type: 'http', urls: urls.slice(0, 3) }), false),
    ).toEqual([]);
  });
});
