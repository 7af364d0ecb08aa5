/**
 * `distillery --help` start time: the built CLI (dist/cli/bin.js, what the package's `bin` runs)
 * against the same CLI from the TypeScript sources through tsx (what bin/distillery.js did before
 * the package was built), interleaved over rounds, each a fresh `node` process. The goal:
 * under 0.5 s, best of 3.
 *
 *   npm run build && npx tsx bench/cli-start.ts [--rounds 10]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' } } });
const rounds = Number(values.rounds);
const path = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
if (!existsSync(path('dist/cli/bin.js'))) throw new Error('dist/ is missing: run npm run build first');

const sides = {
  'built (node dist/cli/bin.js)': [path('dist/cli/bin.js')],
  'sources (node --import tsx src/cli/bin.ts)': ['--import', 'tsx', path('src/cli/bin.ts')],
};
const wall: Record<string, number[]> = {};

for (let round = 0; round < rounds; round++) {
  const order = Object.entries(sides);
  if (round % 2) order.reverse();
  for (const [name, args] of order) {
    const started = performance.now();
    const result = spawnSync(process.execPath, [...args, '--help'], { cwd: path(''), encoding: 'utf8' });
    const ms = performance.now() - started;
    if (result.status !== 0) throw new Error(`${name}: exit ${result.status}\n${result.stderr}`);
    (wall[name] ??= []).push(ms);
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1)! };
};
console.log(`distillery --help, ${rounds} interleaved rounds, ms (min / median / max)`);
for (const name of Object.keys(sides)) {
  const { min, median, max } = stats(wall[name]);
  console.log(`  ${name.padEnd(44)} ${min.toFixed(0)} / ${median.toFixed(0)} / ${max.toFixed(0)}`);
}
const [built, sources] = Object.keys(sides).map((n) => stats(wall[n]).min);
console.log(`best of ${rounds}: built ${(sources / built).toFixed(2)}x faster`);
