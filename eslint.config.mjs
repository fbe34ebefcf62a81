// Lint rules that protect workflow determinism and promise handling.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, and nothing with side effects.
const forbiddenInWorkflows = [
  ...builtinModules.flatMap((m) => [m, `node:${m}`]),
  '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing',
  'express', 'pino', 'prom-client', 'openai', '@anthropic-ai/sdk', '@kubernetes/client-node',
  '@elastic/elasticsearch', 'discord.js', 'ssh2', 'xmlrpc', 'yaml', 'commander',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'test-output/**', 'api/public/**', 'bin/**', '*.mjs', 'scripts/*.mjs'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: forbiddenInWorkflows.map((name) => ({ name, message: 'Not allowed in deterministic workflow/domain code.' })),
        patterns: [
          { group: ['../activities/*', '../activities/**', '../runtime/**', '../api/**', '../workers/**'], allowTypeImports: true,
            message: 'Workflow/domain code may import activities and runtime code as types only.' },
        ],
      }],
      'no-restricted-globals': ['error', 'process', 'setInterval', 'require'],
    },
  },
);
