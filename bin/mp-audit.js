#!/usr/bin/env node
'use strict';
// The CLI is compiled ahead (npm run build, run by `npm ci` and `npm pack`): no TypeScript
// compiler at start-up.
let cli;
try {
  cli = require('../dist/cli.js');
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli.js')) {
    throw error;
  }
  process.stderr.write('mp-audit: the CLI is not built; run `npm run build` in its folder\n');
  process.exit(1);
}
cli.run();
