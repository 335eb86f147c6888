/** `obifaas ping`: invokes each deployed function with a ping payload. */
import type { Command } from 'commander';
import type { PingRow } from '../../deploy/functions.js';
import { runCommand } from '../runner.js';
import type { CommandDefinition } from './index.js';
import {
  addLocationOptions,
  addMemoryChoice,
  formatTable,
  readLambdaSection,
  resolveLocation,
  type MemoryChoiceFlags,
} from './lambda-settings.js';

/** One row per function: cold or warm, init, duration, billed, memory, runtime. */
export function formatPingTable({ functions }: { functions: PingRow[] }): string {
  return formatTable(
    ['function', 'memory', 'start', 'init', 'duration', 'billed', 'max memory', 'runtime'],
    functions.map((r) =>
      r.ok
        ? [
            r.function,
            `${r.memoryMb} MB`,
            r.cold ? 'cold' : 'warm',
            r.cold ? `${r.initMs} ms` : '-',
            `${r.durationMs} ms`,
            `${r.billedMs} ms`,
            r.maxMemoryUsedMb !== undefined ? `${r.maxMemoryUsedMb} MB` : '-',
            `${r.node} ${r.platform}`,
          ]
        : [r.function, `${r.memoryMb} MB`, 'FAILED', '', '', '', '', r.error ?? ''],
    ),
  );
}

export const pingCommand: CommandDefinition = (program: Command) => {
  const command = program
    .command('ping')
    .description('Invoke each deployed function once with a ping payload: cold or warm, init time, runtime.')
    .addHelpText(
      'after',
      [
        '',
        "Figures come from the REPORT line of the invoke's log tail (Init Duration present = cold start).",
        'Without --memory, every function named PREFIX-MEMORY in the region is pinged. Exits 1 when a',
        'function does not answer.',
      ].join('\n'),
    );
  addLocationOptions(addMemoryChoice(command, 'ping')).action(async (flags: MemoryChoiceFlags) => {
    const { UserError } = await import('../../errors.js');
    const { chosenSizes, pingFunctions } = await import('../../deploy/functions.js');
    const location = resolveLocation(flags, await readLambdaSection(flags));
    const sizes = await chosenSizes(flags.memory, location);
    if (sizes.length === 0)
      throw new UserError(`no functions named ${location.prefix}-<memory> found: run 'obifaas deploy' first`);
    await runCommand({ json: flags.json === true, render: formatPingTable }, async () => {
      const functions = await pingFunctions(sizes, location);
      return { value: { functions }, status: functions.some((r) => !r.ok) ? 'failed' : 'done' };
    });
  });
};
