#!/usr/bin/env node
'use strict';
// The CLI is TypeScript; tsx compiles it on the fly so `npm ci` needs no build step.
require('tsx/cjs');
require('./mp-audit.ts').run();
