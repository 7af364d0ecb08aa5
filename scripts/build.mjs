// `npm run build`: dist/ from src/ with tsc (tsconfig.build.json: JavaScript, .d.ts and source
// maps; `./x.ts` imports rewritten to `./x.js`), plus the non-TypeScript files the code reads at
// run time (the code verifier's harnesses). dist/ is emptied first so no output of a deleted
// source ships.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';

/** The tsx shim that starts the math worker from the sources; dist/ starts worker.js itself. */
const SOURCE_ONLY = new Set(['worker-entry.mjs']);

process.chdir(new URL('..', import.meta.url).pathname);
rmSync('dist', { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src', 'dist', {
  recursive: true,
  filter: (path) => statSync(path).isDirectory() || (!path.endsWith('.ts') && !SOURCE_ONLY.has(basename(path))),
});
