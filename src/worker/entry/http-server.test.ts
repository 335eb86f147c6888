import { describe, expect, it } from 'vitest';
import { UserError } from '../../errors.js';
import { startFunctionServer } from './http-server.js';

describe('the function server', () => {
  for (const [host, where] of [
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '[::1]'],
  ] as const) {
    it(`says which address is busy (${host}), as host:port, without starting`, async (context) => {
      const first = await startFunctionServer({ port: 0, host }).catch(() => undefined);
      if (!first) return context.skip(`cannot listen on ${host} here`);
      try {
        const second = startFunctionServer({ port: first.port, host });
        await expect(second).rejects.toBeInstanceOf(UserError);
        await expect(second).rejects.toThrow(`cannot listen on ${where}:${first.port} (EADDRINUSE)`);
      } finally {
        await first.close();
      }
    });
  }
});
