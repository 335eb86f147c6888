/** `obifaas undeploy`: deletes the Lambda functions of a prefix. */
import type { Command } from 'commander';
import type { UndeployRow } from '../../deploy/functions.js';
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

export const undeployCommand: CommandDefinition = (program: Command) => {
  const command = program
    .command('undeploy')
    .description('Delete the deployed functions (PREFIX-MEMORY), all of them or the given memory sizes.');
  addLocationOptions(addMemoryChoice(command, 'delete')).action(async (flags: MemoryChoiceFlags) => {
    const { undeployFunctions } = await import('../../deploy/functions.js');
    const location = resolveLocation(flags, await readLambdaSection(flags));
    const render = ({ functions }: { functions: UndeployRow[] }): string =>
      functions.length === 0
        ? `no functions named ${location.prefix}-<memory> to delete`
        : formatTable(
            ['function', 'memory', 'result'],
            functions.map((r) => [r.function, `${r.memoryMb} MB`, r.result]),
          );
    await runCommand({ json: flags.json === true, render }, async () => {
      return { value: { functions: await undeployFunctions(flags.memory, location) } };
    });
  });
};
