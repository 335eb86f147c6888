/**
 * Fuzzing of the manifest reader: mutants of manifests (comments, blank lines, CRLF, a
 * byte-order mark, escaped keys, non-ASCII keys) and random bytes. It returns keys or a
 * `SpecError`; the keys it returns are written and read back key for key.
 */
import { describe, expect, it } from 'vitest';
import { fuzz, mutants, outcome } from '../../test/support/fuzz.js';
import { SpecError } from '../errors.js';
import { formatManifest, parseManifest } from './manifest.js';

const samples = [
  Buffer.from(
    '# header\nimages/a.jpg\nimages/sub dir/b ü.png\n  images/c.jpg  \n\nd.jpg\r\n\\#e.jpg\n\\ f.jpg \n',
  ),
  Buffer.from('\uFEFFx/1.jpg\nx/2.jpg'),
];

describe('parseManifest on mutated and random text', () => {
  it('returns keys that read back the same, or refuses with SpecError', async () => {
    const seen = { read: 0, refused: 0 };
    await fuzz(mutants(samples, 1, 3000), (bytes) => {
      const text = Buffer.from(bytes).toString('utf8');
      const parsed = outcome(() => parseManifest(text, 'manifest.txt'), [SpecError]);
      if ('error' in parsed) {
        expect(parsed.error.message).toMatch(/^invalid manifest: manifest\.txt(:\d+)?: /);
        seen.refused++;
        return;
      }
      seen.read++;
      expect(new Set(parsed.value).size).toBe(parsed.value.length);
      expect(parseManifest(formatManifest(parsed.value, ['written back']), 'again')).toEqual(parsed.value);
    });
    expect(seen.read).toBeGreaterThan(500);
    expect(seen.refused).toBeGreaterThan(500);
  });
});
