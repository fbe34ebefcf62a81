#!/usr/bin/env node
// The `palisade` command: runs the TypeScript CLI through tsx (a runtime dependency; there is no build step).
'use strict';
require('tsx/cjs');
require('../cli/main.ts');
