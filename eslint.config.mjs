// ESLint: TypeScript rules everywhere; workflow code is held to Temporal's determinism rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Workflows are replayed: no Node built-ins, no I/O (libs/domain runs inside them).
const deterministic = {
  group: [
    'node:*',
    'fs',
    'path',
    'http',
    'https',
    'net',
    'child_process',
    'crypto',
    'pg',
    'typeorm',
    '@temporalio/client',
    '@temporalio/worker',
  ],
  message: 'workflow code must stay deterministic: no I/O or Node built-ins',
};
// Another project is reached through its @resolve/* package, never by a path into its files.
const noReachingIn = {
  regex: '^(\\.\\./)+(libs|services|workflows)/|^(\\.\\./){2,}[a-z-]+/src(/|$)',
  message: 'import another project through its @resolve/* package, not a path into its files',
};
const services = ['@resolve/api', '@resolve/notifier', '@resolve/worker'];
// The database has one owner: SQL is written only in libs/persistence (repositories and
// migrations). Services hand a DataSource to repositories; they never talk to the driver.
const noDriver = {
  group: ['pg', 'pg-*'],
  message: 'SQL and the Postgres driver belong to libs/persistence: call a repository',
};
// The pure core: the rules of a protocol and of time, with no storage, framework or service.
const pureCore = {
  group: [
    ...services,
    '@resolve/persistence',
    '@resolve/temporal',
    '@resolve/testing',
    '@resolve/mail-capture',
    '@resolve/workflows',
    '@resolve/cli',
    '@nestjs/*',
    'typeorm',
    'pg',
    'express',
    '@temporalio/client',
    '@temporalio/worker',
  ],
  message: 'domain, calendar, protocols and contracts never import persistence, frameworks or services',
};
const noSqlStrings = {
  rules: {
    'no-restricted-syntax': [
      'error',
      {
        selector:
          "CallExpression[callee.property.name='query'][arguments.0.type=/^(Literal|TemplateLiteral)$/]",
        message: 'SQL belongs in a repository in libs/persistence (migrations aside)',
      },
    ],
  },
};
const notService = (allowed) => ({
  group: services.filter((s) => s !== allowed),
  message: 'a service never imports another service: share code through a lib in libs/',
});
const libsNotServices = {
  group: services,
  message: 'a lib never imports a service (only infra/ composes them)',
};

function moduleBoundaries() {
  const entry = (files, patterns, extra = {}) => ({
    files,
    ...extra,
    rules: { ...(extra.rules ?? {}), 'no-restricted-imports': ['error', { patterns }] },
  });
  const typed = {
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  };
  return [
    entry(['libs/*/src/**/*.ts'], [libsNotServices, noReachingIn]),
    entry(['libs/{calendar,protocols,contracts}/src/**/*.ts'], [pureCore, noReachingIn]),
    entry(['libs/domain/src/**/*.ts'], [deterministic, pureCore, noReachingIn], typed),
    entry(['workflows/src/**/*.ts'], [deterministic, libsNotServices, noReachingIn], typed),
    entry(['services/api/src/**/*.ts'], [notService('@resolve/api'), noDriver, noReachingIn], noSqlStrings),
    entry(
      ['services/notifier/src/**/*.ts'],
      [notService('@resolve/notifier'), noDriver, noReachingIn],
      noSqlStrings,
    ),
    entry(
      ['services/worker/src/**/*.ts'],
      [notService('@resolve/worker'), noDriver, noReachingIn],
      noSqlStrings,
    ),
    {
      files: ['libs/!(persistence|testing)/src/**/*.ts', 'workflows/src/**/*.ts', 'infra/**/*.ts'],
      ...noSqlStrings,
    },
  ];
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'var/**', '**/*.js', '**/*.mjs', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  // Module boundaries, one entry per kind of project. A file's own entry lists every import it
  // may not make (flat config replaces a rule's options per file, so each entry is complete).
  ...moduleBoundaries(),
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
