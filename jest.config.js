/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // bin/mp-audit.js runs the CLI when loaded: tests import the TypeScript module instead.
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  setupFiles: ['<rootDir>/test/support/env.ts'],
  testTimeout: 60000,
};
