/** `obifaas serve-function` refuses flags it cannot serve with before it binds anything. */
import { describe, it } from 'vitest';
import { captureCli } from '../../../test/support/capture-cli.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';

describe('obifaas serve-function', () => {
  it('refuses a port outside 0..65535 with one line (exit 2), not an internal error', async () => {
    for (const port of ['99999', '-1', '80.5'])
      expectRefusal(
        await captureCli('serve-function', '--port', port),
        new RegExp(
          `^obifaas: --port: expected an integer from 0 to 65535, got '${port.replace('.', '\\.')}'$`,
        ),
      );
  });
});
