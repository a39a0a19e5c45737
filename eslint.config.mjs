// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
/** @param {string} message */
const noBuiltins = (message) => nodeBuiltins.map((name) => ({ name, message }));
/** What no service may import: the API above it and Fastify. */
const serviceBase = [
  { regex: '^(\\.\\./)+api(/|$)', message: 'src/service/ must not import src/api/.' },
  { group: ['fastify', 'fastify/*', '@fastify/*'], message: 'src/service/ must not use Fastify.' },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.data/',
      '.tools/',
      '.cache/',
      '.venv-ci/',
      'test/fixtures/',
      '.scratch/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // One direction of dependencies (docs/architecture.md): api → service → temporal gateway →
  // workflows → core, and activities → webhook → core. Each folder's allowed imports below;
  // test/unit/lint-layers.test.ts proves each rule refuses a wrong import.
  {
    // The domain: pure and deterministic (workflows replay it), so no Node built-ins, nothing
    // of the project outside core/, and only types from Temporal's packages.
    files: ['core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: noBuiltins('Core code must not use Node built-ins: workflows replay it.'),
          patterns: [
            { regex: '^\\.\\./', message: 'core/ imports nothing of the project but core/.' },
            {
              group: ['@temporalio/*'],
              allowTypeImports: true,
              message: 'core/ may import only types from Temporal.',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code is replayed and must stay deterministic: no Node built-ins, core/ and
    // workflows/ only, and only types from activities/ (the activity signatures).
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: noBuiltins('Workflow code must not use Node built-ins.'),
          patterns: [
            {
              regex: '^\\.\\./activities(/|$)',
              allowTypeImports: true,
              message: 'Workflows may import only types from activities/.',
            },
            {
              regex: '^\\.\\./(?!core/|activities(/|$))',
              message: 'Workflows import only core/ and workflows/ (and types from activities/).',
            },
          ],
        },
      ],
    },
  },
  {
    // Activities: the webhook client and signing (src/webhook) over core types; nothing else of
    // the process (no API, service or Temporal client), and never the workflows.
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!core/|src/webhook/)',
              message: 'Activities import only core/ and src/webhook/.',
            },
          ],
        },
      ],
    },
  },
  {
    // The webhook client, signing and URL policy: core types only, nothing else of the project.
    files: ['src/webhook/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\./core/|\\.\\./package\\.json$)',
              message: 'src/webhook/ imports only core/ (and package.json).',
            },
          ],
        },
      ],
    },
  },
  {
    // Services know nothing of HTTP routing or Fastify (the API calls them, never the reverse),
    // nor of Temporal: they reach the workflows only through the gateway in src/temporal/.
    files: ['src/service/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...serviceBase,
            {
              group: ['@temporalio/*'],
              message: 'src/service/ reaches Temporal only through the gateway in src/temporal/.',
            },
            {
              regex: '^(\\.\\./)+workflows(/|$)',
              allowTypeImports: true,
              message: 'src/service/ may import only types from workflows/: go through src/temporal/.',
            },
          ],
        },
      ],
    },
  },
  {
    // The Temporal gateway sits below the services: it knows the workflows, never its callers.
    files: ['src/temporal/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(service|api)(/|$)',
              message: 'src/temporal/ must not import src/service/ or src/api/: they call it.',
            },
          ],
        },
      ],
    },
  },
  {
    // The API reaches workflows only through the services and src/temporal/ (types aside).
    files: ['src/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(workflows|activities)(/|$)',
              allowTypeImports: true,
              message:
                'src/api/ may import only types from workflows/ and activities/: go through src/service/ or src/temporal/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
        Buffer: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
  {
    // The console's browser modules (served as is, no build): browser globals, ES modules.
    files: ['src/console/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'navigator',
          'location',
          'history',
          'sessionStorage',
          'fetch',
          'URL',
          'AbortSignal',
          'Intl',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'console',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
