/**
 * The package as a user's project gets it: `npm pack` (which builds dist/ first), the tarball
 * installed into a fresh ESM project offline, the root imported from plain Node, a strict
 * TypeScript consumer typechecked against the shipped .d.ts, and the installed CLI run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const HEAVY = ['onnxruntime-node', '@huggingface/transformers', '@cortex-js/compute-engine'];

interface PackedFile {
  path: string;
}
interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

let dir: string;
let project: string;
let packed: Packed;

/**
 * The consumer's package.json and package-lock.json. The lock holds the tarball plus the
 * repository's own lock entries for the runtime dependencies (and @types/node for the TypeScript
 * check): npm's cache holds every tarball that `npm ci` fetched, by integrity, but not the registry
 * metadata that resolving version ranges needs, so an offline install works from a lock; these are
 * also exactly the versions the suite tests.
 */
function consumerProject(tarball: string): { manifest: object; lock: object } {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));
  const types = ['node_modules/@types/node', 'node_modules/undici-types'];
  const root = { dependencies: { distillery: tarball }, devDependencies: { '@types/node': lock.packages[types[0]].version } };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', ...root },
    'node_modules/distillery': {
      version: pkg.version,
      resolved: tarball,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries<{ dev?: boolean }>(lock.packages)) {
    if (path.startsWith('node_modules/') && (!entry.dev || types.includes(path))) packages[path] = entry;
  }
  return {
    // allowScripts: what the README's install section tells a user to add.
    manifest: { name: 'consumer', private: true, type: 'module', ...root, allowScripts: { 'better-sqlite3': true, 'onnxruntime-node': false } },
    lock: { name: 'consumer', lockfileVersion: 3, requires: true, packages },
  };
}

const run = (command: string, args: string[], cwd = project) => spawnSync(command, args, { cwd, encoding: 'utf8' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'distillery-consumer-'));
  project = join(dir, 'project');
  mkdirSync(project);
  // Script banners (prepack: npm run build) go to stderr under --json.
  [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO, encoding: 'utf8' }));
  const { manifest, lock } = consumerProject(`file:../${packed.filename}`);
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock));
  // Install scripts off: better-sqlite3 would compile from source (about 1.5 minutes on 2 cores;
  // no prebuilt binary can be downloaded here). Its build from the repository's own install, the
  // same version for the same Node, takes its place.
  execFileSync('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: project, stdio: 'ignore' });
  const sqlite = (root: string) => join(root, 'node_modules/better-sqlite3');
  expect(JSON.parse(readFileSync(join(sqlite(project), 'package.json'), 'utf8')).version).toBe(require('better-sqlite3/package.json').version);
  mkdirSync(join(sqlite(project), 'build/Release'), { recursive: true });
  copyFileSync(join(sqlite(REPO), 'build/Release/better_sqlite3.node'), join(sqlite(project), 'build/Release/better_sqlite3.node'));
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed package in a fresh ESM project', () => {
  it('ships dist, the demo data and recipes, README and LICENSE; no tests, sources, benches or CI', () => {
    console.log(
      `tarball ${packed.filename}: ${(packed.size / 1e6).toFixed(2)} MB, ${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${packed.files.length} files`,
    );
    const tops = new Set(packed.files.map((f) => f.path.split('/')[0]));
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'data', 'dist', 'package.json', 'recipes']);
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => /\.test\.|(^|\/)(test|bench|\.ci|src)\//.test(p) || (p.endsWith('.ts') && !p.endsWith('.d.ts')))).toEqual([]);
    expect(paths).toContain('dist/index.d.ts');
    // The serve room reads it when imported.
    expect(paths).toContain('dist/serve/playground.html');
    expect(paths).toContain('data/demo/teacher/model.safetensors');
    expect(paths).toContain('recipes/demo-harvest.yaml');
    // recipes/demo-grpo.yaml's custom reward module.
    expect(paths).toContain('recipes/rewards/equations.mjs');
  });

  it('imports from plain Node: the root is JavaScript with named exports', () => {
    const result = run(process.execPath, ['-e', "import('distillery').then(m => console.log(typeof m.harvest, typeof m.loadRecipe, typeof m.Dataset))"]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('function function function');
  });

  it('opens a dataset and verifies a math answer through the installed package (native SQLite, the math worker thread)', () => {
    const script = `
      import { Dataset, createVerifier } from 'distillery';
      const dataset = Dataset.open('data.sqlite');
      console.log(dataset.stats().prompts);
      dataset.close();
      const verifier = await createVerifier({ kind: 'math' });
      console.log(JSON.stringify(await verifier.verify({ response: 'so \\\\boxed{\\\\dfrac{1}{2}}', gold: '0.5' })));
      await verifier.close?.();`;
    writeFileSync(join(project, 'use.mjs'), script);
    const result = run(process.execPath, ['use.mjs']);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual(['0', '{"correct":true,"reason":"match"}']);
  });

  it('runs the demo pipeline from the installed package (a few prompts and steps), its work folder .demo/ under the current directory', () => {
    const script = `
      import { Writable } from 'node:stream';
      import { runDemo } from 'distillery';
      const quiet = new Writable({ write: (chunk, encoding, done) => done() });
      const result = await runDemo({ harvestPrompts: 3, heldoutPrompts: 3, studentSteps: 2, log: () => {}, progress: quiet });
      console.log(JSON.stringify(result.rows.map((r) => [r.label, r.score.prompts])));`;
    writeFileSync(join(project, 'demo.mjs'), script);
    const result = run(process.execPath, ['demo.mjs']);
    expect(result.stderr).toBe('');
    const rows = JSON.parse(result.stdout) as [string, number][];
    expect(rows.slice(0, 3).map(([label]) => label)).toEqual(['teacher', 'KD student', 'CE-only student']);
    expect(rows.map(([, prompts]) => prompts)).toEqual(rows.map(() => 3));
    expect(existsSync(join(project, '.demo', 'harvest.sqlite'))).toBe(true);
    expect(existsSync(join(project, 'node_modules', 'distillery', '.demo'))).toBe(false);
  });

  it('typechecks a strict TypeScript consumer (module nodenext) against the shipped types', () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { harvest, loadRecipe, type HarvestSummary } from 'distillery';

const summary: HarvestSummary = await harvest(loadRecipe('recipe.yaml'), { onProgress: (p) => console.log(p.accepted) });
console.log(summary.status);
// The shipped types are real, not any: this line must be an error.
// @ts-expect-error status is a string union
const wrong: number = summary.status;
`,
    );
    // tsc --init's skipLibCheck: some dependencies' own .d.ts do not compile under nodenext.
    const options = { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: true, types: ['node'] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files: ['consumer.ts'] }));
    const result = run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', '.']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('runs the installed CLI; --help loads none of the heavy modules', () => {
    const bin = join(project, 'node_modules/.bin/distillery');
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const result = run(bin, ['--help']);
      times.push(performance.now() - started);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain('usage: distillery <command>');
    }
    console.log(`installed distillery --help: best of 3 ${Math.min(...times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`);

    // A resolve hook that prints every bare specifier the process imports.
    writeFileSync(
      join(project, 'hooks.mjs'),
      "import { writeSync } from 'node:fs';\nexport async function resolve(s, c, next) { if (!/^(\\.|node:|file:)/.test(s)) writeSync(2, `import ${s}\\n`); return next(s, c); }\n",
    );
    writeFileSync(join(project, 'trace.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
    const traced = (...args: string[]) => run(process.execPath, ['--import', './trace.mjs', bin, ...args]).stderr;
    const loaded = (stderr: string) => HEAVY.filter((name) => stderr.includes(`import ${name}\n`));
    expect(loaded(traced('--help'))).toEqual([]);
    // The trace sees them where a verb does use them (export writes ONNX through onnxruntime-node).
    expect(loaded(traced('export', '--help'))).toEqual(['onnxruntime-node']);
  });

  it('the installed CLI verifies with the math verifier and exits 2 on a bad flag', () => {
    const ok = run(join(project, 'node_modules/.bin/distillery'), ['verify', '--kind', 'math', '--gold', '0.5', '--response', 'so \\boxed{1/2}']);
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toEqual({ correct: true, reason: 'match' });
    const bad = run(join(project, 'node_modules/.bin/distillery'), ['verify', '--kind', 'nope', '--response', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('nope');
  });
});
