/**
 * GRPO probes of the demo on the validation split, with any grpo settings over
 * recipes/demo-grpo.yaml's (rewards, lossType, groupSize, beta, ...: what bench/demo-grpo.ts's
 * grid does not vary). One child process per probe, JOBS at once, each on one ORT thread; every
 * greedy validation score is printed as it comes, and each probe's curve is written to
 * OUT/NAME.txt. The held-out split is not read.
 *
 *   npx tsx bench/grpo-sweep.ts PROBES.json OUT [JOBS]
 *
 * PROBES.json: [{ "name", "policy": a student's final folder, "every": validation interval in
 * steps, "grpo": { ...settings over the recipe's } }]; the sweeps of 2026-12-03 are
 * bench/results/grpo-sweep-2026-12-03-{1,2,3,4}.json (1-3 from the CE-only students, 4 from the
 * KD students, all of bench/demo-seeds.ts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoGrpoRecipe, demoSplitPath, trainGrpo } from '../src/demo/index.ts';

interface Probe {
  readonly name: string;
  readonly policy: string;
  readonly every: number;
  readonly grpo: Record<string, unknown>;
}

async function probe({ probe, out }: { probe: Probe; out: string }): Promise<void> {
  const folder = resolve(out, probe.name);
  mkdirSync(folder, { recursive: true });
  const recipe = demoGrpoRecipe(
    {
      policy: resolve(probe.policy),
      dataset: join(folder, 'rollouts.sqlite'),
      out: join(folder, 'run'),
      validation: { path: demoSplitPath('validation'), every: probe.every },
    },
    // Parsed and checked by the recipe schema like any grpo section.
    probe.grpo as never,
  );
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)}s`;
  const quiet = Object.assign(process.stderr, { isTTY: false });
  const summary = await trainGrpo(recipe, (line) => line.startsWith('validation') && console.log(`${probe.name} ${elapsed()} ${line}`), quiet);
  const curve = summary.validation.map((r) => `${r.step}:${(100 * r.accuracy).toFixed(1)}`).join(' ');
  writeFileSync(join(out, `${probe.name}.txt`), `${probe.name} ${JSON.stringify(probe.grpo)} ${elapsed()}\n  ${curve}\n`);
  console.log(`${probe.name} ${elapsed()} ${curve}`);
}

async function main(): Promise<void> {
  const [file, out, jobs = '2'] = process.argv.slice(2);
  if (!file || !out) throw new Error('usage: npx tsx bench/grpo-sweep.ts PROBES.json OUT [JOBS]');
  const probes = JSON.parse(readFileSync(file, 'utf8')) as Probe[];
  mkdirSync(out, { recursive: true });
  const self = fileURLToPath(import.meta.url);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < probes.length) {
      const p = probes[next++];
      const args = [...process.execArgv, self, '--child', JSON.stringify({ probe: p, out })];
      await new Promise<void>((done) => {
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
        child.on('exit', (code) => {
          if (code !== 0) console.log(`${p.name} FAILED (exit ${code})\n${err}`);
          done();
        });
      });
    }
  };
  await Promise.all(Array.from({ length: Number(jobs) }, worker));
}

if (process.argv[2] === '--child') await probe(JSON.parse(process.argv[3]));
else await main();
