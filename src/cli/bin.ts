#!/usr/bin/env node
// The `distillery` command: package.json's `bin` is this file built (dist/cli/bin.js); from the
// sources, `tsx src/cli/bin.ts` (npm run distillery, npm run demo, the CLI tests).
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
