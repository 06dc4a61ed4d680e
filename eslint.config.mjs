// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * The layers (docs/architecture.md). The function's core reads, matches, alerts and delivers
 * in that order, each stage importing only the ones before it; the handler and the CLI are
 * adapters around it; the stack (lib/) sees the function only through its contract and the
 * rules schema. Drift is a lint error, not a review comment.
 */
const CDK = {
  group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'],
  message: 'The function and the CLI never load the CDK.',
};
const HANDLER = {
  regex: '(^|/)handler$',
  message: 'Only Lambda loads the handler: use lambda/function-environment.ts and the pipeline.',
};
const CLI = { regex: '(^|/)cli/', message: 'The core does not depend on the CLI.' };
const LIB = { regex: '(^|/)lib/', message: 'The function does not depend on the stack.' };
const stage = (...later) => ({
  regex: `^\\.\\./(${later.join('|')})/`,
  message: 'A stage imports only the stages before it: read → match → alert → deliver → pipeline.',
});
const restrict = (...patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});
const LAYERS = [
  { files: ['lambda/**/*.ts'], rules: restrict(CDK, HANDLER, CLI, LIB) },
  {
    files: ['lambda/contract.ts'],
    rules: restrict({ regex: '.', message: 'The contract imports nothing: both sides load it.' }),
  },
  {
    files: ['lambda/read/**/*.ts'],
    rules: restrict(CDK, HANDLER, CLI, LIB, stage('match', 'alert', 'deliver', 'pipeline', 'aws')),
  },
  {
    files: ['lambda/match/**/*.ts'],
    rules: restrict(CDK, HANDLER, CLI, LIB, stage('alert', 'deliver', 'pipeline', 'aws')),
  },
  {
    files: ['lambda/alert/**/*.ts'],
    rules: restrict(CDK, HANDLER, CLI, LIB, stage('deliver', 'pipeline', 'aws')),
  },
  {
    files: ['lambda/deliver/**/*.ts'],
    rules: restrict(CDK, HANDLER, CLI, LIB, stage('pipeline', 'aws')),
  },
  {
    files: ['cli/**/*.ts'],
    rules: restrict(CDK, HANDLER, {
      regex: '(^|/)lib/(?!rules-file$)',
      message:
        'The CLI reads rules files with lib/rules-file.ts and loads nothing else of the stack.',
    }),
  },
  {
    files: ['lib/**/*.ts', 'bin/app.ts'],
    rules: restrict(HANDLER, CLI, {
      regex: '(^|/)lambda/(?!contract$|match/rules-schema$)',
      message:
        'The stack reaches the function only through lambda/contract.ts and the rules schema.',
    }),
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'cdk.out/',
      'coverage/',
      'samples/',
      'corpus/',
      '.bench/',
      '.scratch/',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  ...LAYERS,
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
);
