import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import fs from 'node:fs';

/** What src/ holds: one folder per concern (docs/architecture.md says what each holds), and errors.ts. */
const SRC_ENTRIES = fs
  .readdirSync(new URL('./src', import.meta.url), { withFileTypes: true })
  .filter((e) => e.isDirectory() || (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')))
  .map((e) => e.name);

/**
 * A zone where the code of `folder` may import only `allowed` (folders or files under src/,
 * besides itself and errors.ts).
 */
function onlyImports(folder, allowed, message) {
  return {
    target: `./src/${folder}`,
    from: './src',
    except: [...new Set([`./${folder}`, './errors.ts', ...allowed.map((a) => `./${a}`)])],
    message,
  };
}

/** A zone where the code of `folders` may not import `forbidden` (folders or files under src/). */
function never(folders, forbidden, message) {
  return {
    target: folders.map((f) => `./src/${f}`),
    from: forbidden.map((f) => `./src/${f}`),
    message,
  };
}

/**
 * util/'s pure leaves, which every layer may import: did-you-mean, schema parsing (schema.ts)
 * and its messages (schema-issues.ts), durations, JSON-lines text, the redaction of secrets in
 * URLs, dollar amounts and plurals. They import only each other, errors.ts and zod.
 */
const SHARED_UTIL = [
  'util/suggest.ts',
  'util/schema.ts',
  'util/schema-issues.ts',
  'util/duration.ts',
  'util/json-lines.ts',
  'util/redact.ts',
  'util/money.ts',
  'util/plural.ts',
];

/**
 * The layers, inner to outer. An import that points outwards fails lint; the unit test
 * src/architecture.test.ts checks the folder graph for cycles and the function's reach.
 */
const LAYER_ZONES = [
  onlyImports('core', [], 'core/ is pure domain code: it imports only core/ and errors.ts.'),
  ...SHARED_UTIL.map((file) =>
    onlyImports(file, SHARED_UTIL, `${file} is shared by every layer: it imports only util/'s pure leaves.`),
  ),
  onlyImports(
    'protocol',
    ['core', ...SHARED_UTIL],
    "protocol/ is what travels to a function: it imports only core/ and util/'s pure leaves.",
  ),
  onlyImports(
    'planning',
    ['core', 'protocol', ...SHARED_UTIL],
    "planning/ is pure: it imports only core/, protocol/ and util/'s pure leaves.",
  ),
  onlyImports(
    'job-plan',
    ['core', 'protocol', 'planning', 'spec/types.ts', 'spec/defaults.ts', ...SHARED_UTIL],
    "job-plan/ is pure: it imports only core/, protocol/, planning/, the spec's types and defaults, and util/'s pure leaves.",
  ),
  onlyImports(
    'worker',
    ['protocol', 'core', 'storage', 'rpc', 'models', 'util'],
    'worker/ is the function: it never reaches the job manager side (use protocol/).',
  ),
  onlyImports(
    'models',
    ['core', 'protocol', 'util'],
    'models/ is loaded by the function (worker/ imports it): it imports only core/, protocol/ and util/.',
  ),
  onlyImports(
    'rpc',
    ['core', 'protocol', 'util'],
    "rpc/ serves the dispatcher and the worker's client: no worker/, manager/ or spec/.",
  ),
  onlyImports('storage', ['core', 'util'], 'storage/ never reaches spec/, manager/ or cli/.'),
  onlyImports(
    'backends',
    ['core', 'protocol', 'storage', 'util'],
    'backends/ take their own settings (backends/resolved-backend.ts), never spec/ or manager/.',
  ),
  onlyImports(
    'spec',
    [
      'core',
      'protocol',
      'util',
      'worker/defaults.ts',
      'rpc/defaults.ts',
      'backends/defaults.ts',
      'backends/resolved-backend.ts',
    ],
    "spec/ imports only the components' defaults.ts and setting types, never their code.",
  ),
  onlyImports(
    'trace',
    // A trace file is opened as every file a user names is: regular files only (util/regular-file.ts,
    // a leaf); a day report's folder is made as every folder a user names is (util/make-folder.ts, a leaf).
    ['core', 'orchestrator/types.ts', 'util/regular-file.ts', 'util/make-folder.ts', ...SHARED_UTIL],
    'trace/ is shared by replay/ and simulate/, below both.',
  ),
  never(
    ['replay'],
    ['simulate'],
    'replay/ and simulate/ never import each other (shared code: trace/, calibrate/).',
  ),
  never(
    ['simulate'],
    ['replay'],
    'replay/ and simulate/ never import each other (shared code: trace/, calibrate/).',
  ),
  never(
    SRC_ENTRIES.filter((f) => f !== 'cli'),
    ['cli'],
    'Only bin/ and cli/ import cli/: command bodies call the domain folders, never the reverse.',
  ),
  never(
    SRC_ENTRIES.filter((f) => !['cli', 'api', 'index.ts'].includes(f)),
    ['api', 'index.ts'],
    'api/ and index.ts are the public surface, on top: only cli/ and index.ts import api/, and nothing imports index.ts.',
  ),
];

/** `process.stdout` and `process.stderr`: only cli/ prints. */
const PRINT_RESTRICTIONS = ['stdout', 'stderr'].map((property) => ({
  object: 'process',
  property,
  message: 'Only cli/ prints: return a result object or report progress events.',
}));

/**
 * `import * as z from 'zod'`: the `z` object (or the default export) holds all of zod, so a
 * bundle that imports it keeps every locale and schema kind (the Lambda handler's bundle: 682 kB
 * with it, 239 kB without); through a namespace, esbuild keeps only what is used.
 */
const ZOD_NAMESPACE_IMPORT = {
  selector:
    "ImportDeclaration[source.value=/^zod/][importKind!='type'] > :matches(ImportSpecifier[imported.name='z'], ImportDefaultSpecifier)",
  message: "Import zod as a namespace (`import * as z from 'zod'`) so that bundles keep only what is used.",
};

/** Where pure code would read the machine's clocks or randomness instead of what it is given. */
const PURE_TIME_MESSAGE =
  'Pure code takes the time (a Clock or nowMs) and random numbers (a seeded generator) from its caller: the simulator drives it on a virtual clock.';

/** Imports that would make a pure folder do I/O. */
const IO_IMPORTS = [
  'node:fs',
  'node:fs/*',
  'node:net',
  'node:child_process',
  'node:http',
  'node:https',
  'node:worker_threads',
];

export default tseslint.config(
  // What git ignores (build output, scratch and test output folders) is not linted either.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'bench/results/**',
      'coverage/**',
      'tmp/**',
      'out/**',
      'test-output/**',
      '.obifaas/**',
      'scratch/**',
      '.cache/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['bin/**/*.js', '*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      // import-x parses the imported files too (no-cycle follows them): they are TypeScript.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Source imports name the compiled `.js`; resolve them to the `.ts` beside them.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js', '.json'],
          extensionAlias: { '.js': ['.ts', '.js'] },
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-eval': 'error',
      'no-new-func': 'error',
      'no-restricted-syntax': ['error', ZOD_NAMESPACE_IMPORT],
    },
  },
  {
    // Tests may drive any layer (a CLI run, a job spec against a worker payload).
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: LAYER_ZONES }],
    },
  },
  {
    // Only the commands print: the other folders return result objects or report typed progress
    // events. The function's entry points and the local backend's default log are runtimes' logs.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/cli/**', 'src/worker/entry/**', 'src/backends/local/local-backend.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': ['error', ...PRINT_RESTRICTIONS],
    },
  },
  {
    files: [
      'src/core/**/*.ts',
      'src/planning/**/*.ts',
      'src/protocol/**/*.ts',
      'src/spec/**/*.ts',
      'src/job-plan/**/*.ts',
      ...SHARED_UTIL.map((file) => `src/${file}`),
    ],
    rules: {
      // These two rules replace the wider blocks' settings for these files, so they repeat them.
      'no-restricted-properties': [
        'error',
        ...PRINT_RESTRICTIONS,
        { object: 'Date', property: 'now', message: PURE_TIME_MESSAGE },
        { object: 'performance', property: 'now', message: PURE_TIME_MESSAGE },
        { object: 'Math', property: 'random', message: PURE_TIME_MESSAGE },
      ],
      'no-restricted-syntax': [
        'error',
        ZOD_NAMESPACE_IMPORT,
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: PURE_TIME_MESSAGE },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: IO_IMPORTS,
              message:
                "core/, planning/, protocol/, spec/, job-plan/ and util/'s pure leaves are pure: no I/O.",
            },
            {
              group: [
                '**/storage/**',
                '**/manager/**',
                '**/cli/**',
                '@aws-sdk/*',
                '@grpc/*',
                'onnxruntime-node',
                'sharp',
              ],
              message:
                "core/, planning/, protocol/, spec/, job-plan/ and util/'s pure leaves import no I/O folders or SDKs.",
            },
          ],
        },
      ],
    },
  },
);
