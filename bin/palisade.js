#!/usr/bin/env node
// The `palisade` command: runs the TypeScript CLI through tsx (a runtime dependency; there is no build step).
// It starts the CLI explicitly: under npx or a global install argv[1] is the `palisade` link, not this file, so the CLI
// must not guess from argv[1] whether it is the program (it used to, and printed nothing there).
'use strict';
const path = require('node:path');
// Compile with this package's own compiler settings, never with a tsconfig.json of the directory palisade runs in.
process.env.TSX_TSCONFIG_PATH = path.join(__dirname, '..', 'tsconfig.json');
require('tsx/cjs');
require('../cli/main.ts').runAsProgram();
