/**
 * The one table of job settings a user can give: each has a key in the config file (a dotted
 * path in the job options), and most a command-line flag and an environment variable.
 * Precedence: flags > config file (`--config`) > environment > defaults. The table is read
 * from the job options schema (`spec/schema.ts`), where each field carries its flag, variable
 * and help; the README's config reference is `renderConfigTable()`.
 */
import { jobOptionKeys } from '../spec/schema.js';
import type { DocumentedKey, ValueKind } from '../spec/config-meta.js';

export type { ValueKind };

/**
 * One job setting: `path` in the job options (`backend.maxConcurrency`), its `flag` of
 * `obifaas run` (`--max-concurrency`), its `env` variable, the `valueName` shown in `--help`,
 * its `kind`, its default in words and its description.
 */
export type ConfigKey = DocumentedKey;

/** Every job setting, in the order of the job options schema. */
export const CONFIG_KEYS: readonly ConfigKey[] = Object.freeze(jobOptionKeys());

/** Environment variable naming the config file (the `--config` flag wins over it). */
export const CONFIG_FILE_ENV = 'OBIFAAS_CONFIG';

/** The commander attribute name of a flag: `--max-concurrency` -> `maxConcurrency`. */
export function flagAttribute(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The config reference as a Markdown table (the README carries it). */
export function renderConfigTable(): string {
  const rows = CONFIG_KEYS.map(
    (k) =>
      `| \`${k.path}\` | ${k.flag ? `\`${k.flag} ${k.valueName}\`` : ''} | ${k.env ? `\`${k.env}\`` : ''} | ${/[<>/]/.test(k.defaultText) ? `\`${k.defaultText}\`` : k.defaultText} | ${k.description} |`,
  );
  return [
    '| Config key | Flag | Environment | Default | Meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
