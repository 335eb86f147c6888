/**
 * Runs the CLI straight from source: `node --import tsx src/cli/run-main.ts <args>` (no build
 * needed; the tests use it). The installed command, `bin/obifaas.js`, runs the compiled `dist/`.
 */
import { main } from './main.js';

process.exitCode = await main(process.argv);
