/** `obifaas undeploy`: deletes the Lambda functions of a prefix. */
import type { Command } from 'commander';
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
    .option('--memory <list>', 'memory sizes to delete, comma-separated (default: every deployed one)');
  addLocationOptions(command).action(async (flags: UndeployFlags) => {
    const { createLambdaClient } = await import('../../backends/lambda/lambda-client.js');
    const { deleteFunctions, listDeployedSizes } = await import('../../deploy/functions.js');
    const { parseMemoryList } = await import('../../deploy/settings.js');
    const location = resolveLocation(flags, await readLambdaSection(flags));
    const client = createLambdaClient({ ...location, maxAttempts: 3 });
    try {
      const sizes =
        flags.memory !== undefined
          ? parseMemoryList(flags.memory)
          : await listDeployedSizes(client, location);
      const rows = await deleteFunctions(client, sizes, location);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ functions: rows })}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(`no functions named ${location.prefix}-<memory> to delete\n`);
        return;
      }
      process.stdout.write(
        `${formatTable(
          ['function', 'memory', 'result'],
          rows.map((r) => [r.function, `${r.memoryMb} MB`, r.result]),
        )}\n`,
      );
    } finally {
      client.destroy();
    }
  });
};
