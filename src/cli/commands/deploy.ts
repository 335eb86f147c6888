/** `obifaas deploy`: creates or updates the Lambda functions, one per memory size. */
import type { Command } from 'commander';
import { collectRepeated, parseIntOption } from '../options.js';
import { stuckAfterOption } from '../stuck-after-option.js';
import type { CommandDefinition } from './index.js';
import { addLocationOptions, type LocationFlags } from './lambda-settings.js';
import { addFunctionAccessOptions, type FunctionAccessFlags } from '../function-access-flags.js';

export interface DeployFlags extends LocationFlags, FunctionAccessFlags {
  memory?: string;
  arch?: string;
  role?: string;
  bucket?: string;
  s3Endpoint?: string;
  vpcSubnets?: string;
  vpcSecurityGroups?: string;
  timeout?: number;
  ephemeralStorage?: number;
  runtime?: string;
  stuckAfter?: number;
  env?: string[];
  zip?: string;
  platformPackages?: string;
}

export const deployCommand: CommandDefinition = (program: Command) => {
  const command = program
    .command('deploy')
    .description('Create or update the Lambda functions (one per memory size) from the function package.')
    .addHelpText(
      'after',
      [
        '',
        'Functions are named PREFIX-MEMORY (obifaas-worker-3008, ...). An existing function gets the new',
        'code, then the configuration (memory, timeout, ephemeral storage, environment, architecture, VPC);',
        'a new one needs --role. Each is awaited until it is active.',
        '',
        'The package is built now (`obifaas package`, needs `npm run build`) unless --zip gives one. Before',
        'anything is uploaded: over 250 MB unzipped is refused; over 50 MB zipped goes through S3 (--bucket, in',
        "the functions' region). Credentials come from the AWS SDK's default chain (environment, profile, role).",
        '',
        'Dynamic mode needs the functions to reach this machine: deploy them into a VPC that can reach it',
        '(--vpc-subnets, --vpc-security-groups), run the job with --advertise-host, and let the functions',
        'dial it with --allow-dispatchers (see docs/cloud.md). The dispatcher speaks TLS off loopback and each',
        'payload pins its certificate; --require-dispatcher-tls makes the functions refuse one in clear text.',
        '',
        'What the functions may read is fixed at deploy time, never by a payload: --allow-buckets (the',
        'buckets of inputs and models), --storage-endpoint (another S3 endpoint than AWS).',
        '',
        "--stuck-after is fixed here too (the functions' OBIFAAS_FUNCTION_STUCK_AFTER): an invocation stopped at",
        'its deadline leaves its model run going on in the environment; the next invocation waits for it that',
        'long, then ends the environment (its thread is stuck: the run cannot be interrupted) and Lambda answers',
        'Runtime.ExitError, which the backend retries. It must be shorter than --timeout.',
        '',
        'Examples:',
        '  obifaas deploy --memory 1769,3008 --role arn:aws:iam::123456789012:role/obifaas-worker',
        '  obifaas deploy --arch arm64 --bucket my-deploy-bucket --region eu-west-1',
      ].join('\n'),
    )
    .option(
      '--memory <mb,...>',
      'function memory in MB, one function per size, comma-separated (default: the config file, else 1769,3008,7076,10240)',
    )
    .option('--arch <arch>', 'x86_64 or arm64 (default: x86_64)')
    .option('--role <arn>', 'IAM role the functions run as (needed to create them)')
    .option('--bucket <bucket>', 'S3 bucket for packages over the direct-upload limit')
    .option('--s3-endpoint <url>', 'another endpoint speaking the S3 API (an emulator)')
    .option('--vpc-subnets <ids>', 'subnet ids, comma-separated (with --vpc-security-groups)')
    .option('--vpc-security-groups <ids>', 'security group ids, comma-separated')
    .option('--timeout <seconds>', 'function timeout, 1-900 (default: 900)', parseIntOption('--timeout'))
    .option(
      '--ephemeral-storage <mb>',
      '/tmp size, 512-10240 MB (default: 2048)',
      parseIntOption('--ephemeral-storage'),
    )
    .option('--runtime <runtime>', 'Lambda runtime (default: nodejs22.x)')
    .addOption(stuckAfterOption('backend.deploy.stuckAfter of the config file'))
    .option('--env <key=value>', 'environment variable of the functions (repeatable)', collectRepeated)
    .option('--zip <file>', 'deploy this package instead of building one')
    .option(
      '--platform-packages <dir>',
      "folder of the target's platform packages for the package built now (see `obifaas package --help`)",
    );
  addFunctionAccessOptions(addLocationOptions(command)).action(async (flags: DeployFlags) => {
    const { runDeploy } = await import('./deploy-action.js');
    await runDeploy(flags);
  });
};
