/** `obifaas undeploy`: deletes the Lambda functions of a prefix. */
import type { Command } from 'commander';
import type { UndeployRow } from '../../deploy/functions.js';
import { runCommand } from '../runner.js';
import type { CommandDefinition } from './index.js';
import {
  addLocationOptions,
  formatTable,
  readLambdaSection,
  resolveLocation,
  type LocationFlags,
} from './lambda-settings.js';

interface UndeployFlags extends LocationFlags {
  memory?: string;
}

export const undeployCommand: CommandDefinition = (program: Command) => {
  const command = program
    .command('undeploy')
    .description('Delete the deployed functions (PREFIX-MEMORY), all of them or the given memory sizes.')
    .option(
      '--memory <mb,...>',
      'function memory in MB of the functions to delete, comma-separated (default: every deployed one)',
    );
  addLocationOptions(command).action(async (flags: UndeployFlags) => {
    const { createLambdaClient } = await import('../../backends/lambda/lambda-client.js');
    const { deleteFunctions, listDeployedSizes } = await import('../../deploy/functions.js');
    const { parseMemoryList } = await import('../../deploy/settings.js');
    const location = resolveLocation(flags, await readLambdaSection(flags));
    const render = ({ functions }: { functions: UndeployRow[] }): string =>
      functions.length === 0
        ? `no functions named ${location.prefix}-<memory> to delete`
        : formatTable(
            ['function', 'memory', 'result'],
            functions.map((r) => [r.function, `${r.memoryMb} MB`, r.result]),
          );
    await runCommand({ json: flags.json === true, render }, async () => {
      const client = createLambdaClient({ ...location, maxAttempts: 3 });
      try {
        const sizes =
          flags.memory !== undefined
            ? parseMemoryList(flags.memory)
            : await listDeployedSizes(client, location);
        return { value: { functions: await deleteFunctions(client, sizes, location) } };
      } finally {
        client.destroy();
      }
    });
  });
};
