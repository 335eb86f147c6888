/**
 * What the job options schema says about its fields besides their values (pure): the flag and
 * the environment variable that set each, and how `--help` and the README describe it. The
 * schema is the one source; `config/keys.ts` reads the key table from it.
 */
import * as z from 'zod';

/** How a flag or environment string becomes a value. */
export type ValueKind = 'string' | 'path' | 'int' | 'number' | 'duration' | 'boolean';

/** A job option documented as a config key. */
export interface ConfigKeyMeta {
  /** Command-line flag of `obifaas run`, e.g. `--max-concurrency`. */
  flag?: string;
  /** Environment variable, e.g. `OBIFAAS_MAX_CONCURRENCY`. */
  env?: string;
  /** Placeholder of the flag's value in `--help`. */
  valueName: string;
  /** How a flag or variable's text is read, where the schema does not say (a path, a duration). */
  kind?: ValueKind;
  /** The default, in words. */
  defaultText: string;
  description: string;
}

/** The documented fields of the job options schema. */
export const configKeyRegistry = z.registry<ConfigKeyMeta>();

/** `schema`, documented as a config key (a copy: one schema may back several keys). */
export function configKey<S extends z.ZodType>(schema: S, meta: ConfigKeyMeta): S {
  const copy = schema.clone() as z.ZodType;
  configKeyRegistry.add(copy, meta);
  return copy as S;
}

/** A documented key found in a schema, with its dotted path and the kind of its value. */
export interface DocumentedKey extends ConfigKeyMeta {
  path: string;
  kind: ValueKind;
}

type Def = Record<string, unknown> & { type: string };

const defOf = (schema: z.core.$ZodType): Def => schema._zod.def as unknown as Def;

/** The schema inside optionals and defaults. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let inner = schema;
  for (
    let def = defOf(inner);
    ['optional', 'default', 'nullable', 'prefault'].includes(def.type);
    def = defOf(inner)
  )
    inner = def.innerType as z.core.$ZodType;
  return inner;
}

function kindOf(schema: z.core.$ZodType): ValueKind {
  const def = defOf(unwrap(schema));
  if (def.type === 'boolean') return 'boolean';
  if (def.type === 'number') return def.format === undefined ? 'number' : 'int';
  return 'string';
}

/**
 * Every documented key of `schema`, in the order of its fields, nested objects walked in
 * place. `expand` gives more schemas whose fields sit at a path (the backends under `backend`);
 * a path found twice keeps its first entry.
 */
export function documentedKeys(
  schema: z.core.$ZodType,
  expand: Readonly<Record<string, readonly z.core.$ZodType[]>> = {},
): DocumentedKey[] {
  const found = new Map<string, DocumentedKey>();
  const walk = (node: z.core.$ZodType, path: string): void => {
    for (let s: z.core.$ZodType | undefined = node; s !== undefined;) {
      const meta = configKeyRegistry.get(s as z.ZodType);
      if (meta && path !== '' && !found.has(path))
        found.set(path, { path, ...meta, kind: meta.kind ?? kindOf(s) });
      const def = defOf(s);
      s = ['optional', 'default', 'nullable', 'prefault'].includes(def.type)
        ? (def.innerType as z.core.$ZodType)
        : undefined;
    }
    const def = defOf(unwrap(node));
    if (def.type !== 'object') return;
    for (const [key, child] of Object.entries(def.shape as Record<string, z.core.$ZodType>)) {
      const at = path === '' ? key : `${path}.${key}`;
      walk(child, at);
      for (const more of expand[at] ?? []) walk(more, at);
    }
  };
  walk(schema, '');
  return [...found.values()];
}
