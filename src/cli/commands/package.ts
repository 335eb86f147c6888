/** `obifaas package`: builds the function's zip for AWS Lambda. */
import type { Command } from 'commander';
import type { Arch } from '../../core/pricing.js';
import type { PackageReport } from '../../package/build-package.js';
import { formatMb } from '../../package/limits.js';
import { localOutOption, parseArchOption } from '../options.js';
import { runCommand } from '../runner.js';
import type { CommandDefinition } from './index.js';

interface PackageFlags {
  arch: Arch;
  out: string;
  platformPackages?: string;
  json?: boolean;
}

/** The package's report as text. */
export function formatPackageReport(report: PackageReport): string {
  const lines = [
    `package   ${report.file}`,
    `arch      ${report.arch}`,
    `zipped    ${formatMb(report.zipBytes)} (direct-upload limit ${formatMb(report.limits.directUploadZipBytes)})`,
    `unzipped  ${formatMb(report.unzippedBytes)} (limit ${formatMb(report.limits.unzippedBytes)})`,
    `files     ${report.files}: the bundle (${report.bundledPackages.length} packages inlined) and ${report.packages.length} installed packages (onnxruntime-node, sharp and what they load)`,
    `handler   index.handler`,
  ];
  if (report.leftOut.length > 0)
    lines.push(
      `left out  ${report.leftOut.length} link(s): ${report.leftOut.slice(0, 5).join('; ')}${report.leftOut.length > 5 ? '; ...' : ''}`,
    );
  if (report.needsS3Upload)
    lines.push('note      over the direct-upload limit: deploy it with --bucket BUCKET');
  return lines.join('\n');
}

export const packageCommand: CommandDefinition = (program: Command) => {
  program
    .command('package')
    .description("Build the function's zip package for AWS Lambda (used by `obifaas deploy`).")
    .addHelpText(
      'after',
      [
        '',
        "The zip holds the function's JavaScript bundled by esbuild from the compiled code (dist/, run",
        '`npm run build` first), and the onnxruntime-node and sharp packages with what they load at',
        'run time, their native binaries for the target architecture only (every native file is',
        'checked to be a Linux binary for that CPU). Its handler is `index.handler` (runtime',
        'nodejs20.x or later); obifaas-package.json at its root lists what is inside.',
        '',
        "Lambda's limits: 50 MB zipped for a direct upload (deploy --bucket uploads larger ones through",
        'S3), 250 MB unzipped (refused).',
        '',
        "Another CPU's package (arm64 on an x86_64 machine): npm installs sharp's binaries for this machine's",
        "CPU only (onnxruntime-node ships every CPU's). Fetch the target's into a folder of their own, not",
        "into this installation (that would replace this machine's), and give it with --platform-packages;",
        "VERSION is the installed sharp's (`npm ls sharp`; the error message's command has it):",
        '  npm install --prefix /tmp/sharp-arm64 --os=linux --cpu=arm64 --libc=glibc sharp@VERSION',
        '  obifaas package --arch arm64 --platform-packages /tmp/sharp-arm64 --out obifaas-arm64.zip',
        '',
        'Example: obifaas package --arch x86_64 --out obifaas-x86_64.zip',
      ].join('\n'),
    )
    .option('--arch <arch>', 'target CPU: x86_64 or arm64', parseArchOption, 'x86_64')
    .option('--out <file>', 'zip file to write', localOutOption('the package'), 'obifaas-function.zip')
    .option(
      '--platform-packages <dir>',
      "folder of the target's platform packages (sharp's binaries), searched first: DIR or DIR/node_modules",
    )
    .option('--json', 'print the report as JSON')
    .action(async (flags: PackageFlags) => {
      const { buildFunctionPackage } = await import('../../package/build-package.js');
      await runCommand({ json: flags.json === true, render: formatPackageReport }, async () => ({
        value: await buildFunctionPackage({
          arch: flags.arch,
          out: flags.out,
          ...(flags.platformPackages ? { platformPackages: flags.platformPackages } : {}),
        }),
      }));
    });
};
