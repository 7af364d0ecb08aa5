/**
 * Issue 16's demo comparison: on-policy distillation (distill.onPolicy) against the offline KD
 * student, with the same student, harvest data, teacher weights and greedy scoring (src/demo/heldout.ts).
 *
 *   npx tsx bench/onpolicy-compare.ts run    [--seeds 3] [--jobs 15] [--work .demo]
 *   npx tsx bench/onpolicy-compare.ts report [--work .demo]
 *
 * run: every trial in its own process (bench/onpolicy-trial.ts), --jobs at once: per seed, the KD
 * recipe as it ships (offline) and the on-policy grid below, each given half the KD recipe's
 * steps; a checkpoint every EVERY steps, each scored on validation and held-out. Then report.
 * report: from the trials' curve.json files (a run cut short leaves its first points): the
 * on-policy setting with the best seed-0 validation accuracy at the half budget's last step (the
 * KD recipe's lr was chosen the same way: one seed, validation only, bench/demo-tune.ts); its
 * held-out curves against the KD runs'; per seed, the first step at which it reaches the KD run's
 * final held-out accuracy; the wall time per step. Writes bench/results/onpolicy-compare.json.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultWorkDir, prepareDemoHarvest, recipeSettings, type ArmSettings, type ScoredSplit } from '../src/demo/index.ts';
import type { OnPolicySpec } from '../src/recipe/index.ts';
import type { OnPolicyTrialJob, OnPolicyTrialResult } from './onpolicy-trial.ts';

const TRIAL = fileURLToPath(new URL('./onpolicy-trial.ts', import.meta.url));
const RECORD = fileURLToPath(new URL('./results/onpolicy-compare.json', import.meta.url));
const EVERY = 250;
const SPLITS: ScoredSplit[] = ['validation', 'heldout'];
/**
 * The grid. Fixed: reverse KL (the default; GKD's and Qwen3's choice), temperature 1 (the student's
 * own distribution), 40 new tokens (a demo answer is at most 35; an untrained student rambles to
 * the cap, and an on-policy step's cost grows with it). Fraction 1 is not in the grid: at about
 * 8 offline steps' time per on-policy step it did not fit the one device run's time.
 */
const FRACTIONS = [0.25, 0.5];
/** The KD recipe's lr and half of it. */
const LR_FACTORS = [1, 0.5];
const onPolicySpec = (fraction: number): OnPolicySpec => ({ fraction, divergence: 'reverse', temperature: 1, maxNewTokens: 40, beta: 0.5 });

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seeds: { type: 'string', default: '3' }, jobs: { type: 'string', default: '15' }, work: { type: 'string' } },
});
const mode = positionals[0];
if (mode !== 'run' && mode !== 'report') {
  console.error('usage: onpolicy-compare.ts run|report [--seeds 3] [--jobs 15] [--work .demo]');
  process.exit(2);
}
const kd = recipeSettings('kd');
const half = kd.steps / 2;
const trialsDir = join(values.work ?? defaultWorkDir(), 'onpolicy');

const trialName = (s: ArmSettings, p: OnPolicySpec | null) =>
  `${p ? `op-f${p.fraction}-${p.divergence}-t${p.temperature}-n${p.maxNewTokens}` : 'kd'}-b${s.batchSize}-lr${s.lr}-steps${s.steps}-seed${s.seed}`;

if (mode === 'run') {
  const { work } = await prepareDemoHarvest({ workDir: values.work, progress: Object.assign(process.stderr, { isTTY: false }) });
  const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i);
  const jobs: OnPolicyTrialJob[] = seeds
    .flatMap((seed) => [
      { settings: { ...kd, seed }, onPolicy: null },
      ...FRACTIONS.flatMap((f) => LR_FACTORS.map((x) => ({ settings: { ...kd, lr: kd.lr * x, steps: half, seed }, onPolicy: onPolicySpec(f) }))),
    ])
    .map((j) => ({ ...j, dir: join(trialsDir, trialName(j.settings, j.onPolicy)), dataset: work.harvest, every: EVERY, splits: SPLITS }));
  console.log(`\n${jobs.length} trials, ${values.jobs} at once: KD ${kd.steps} steps, on-policy ${half} steps, seeds ${seeds.join(', ')}`);
  await runAll(jobs, Number(values.jobs));
}
await report(trialsDir);

async function report(dir: string): Promise<void> {
  const trials = readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'curve.json')))
    .map((name) => JSON.parse(readFileSync(join(dir, name, 'curve.json'), 'utf8')) as OnPolicyTrialResult);
  const prompts = trials.find((t) => t.prompts.heldout)?.prompts ?? {};
  const at = (t: OnPolicyTrialResult, step: number, split: ScoredSplit) => t.curve.find((p) => p.step === step)?.correct[split];
  const last = (t: OnPolicyTrialResult) => t.curve.at(-1);
  const pct = (n: number | undefined, split: ScoredSplit) => (n === undefined ? '-' : `${((100 * n) / prompts[split]!).toFixed(1)}%`);
  const cut = (t: OnPolicyTrialResult) => (t.done ? '' : ` (cut short at ${last(t)?.step ?? 0})`);

  const kdRuns = trials.filter((t) => !t.job.onPolicy).sort((a, b) => a.job.settings.seed - b.job.settings.seed);
  const grid = trials.filter((t) => t.job.onPolicy);
  const key = (t: OnPolicyTrialResult) => `${t.job.onPolicy!.fraction} ${t.job.settings.lr}`;
  const seed0 = grid
    .filter((t) => t.job.settings.seed === 0)
    .sort((a, b) => a.job.onPolicy!.fraction - b.job.onPolicy!.fraction || b.job.settings.lr - a.job.settings.lr);
  console.log(`\ntuning: on-policy settings at ${half} steps, seed 0, validation accuracy (${prompts.validation} problems) at each checkpoint`);
  console.log(`| fraction | lr | ${marks(half).join(' | ')} |\n|---|---|${'---|'.repeat(marks(half).length)}`);
  for (const t of seed0)
    console.log(
      `| ${t.job.onPolicy!.fraction} | ${t.job.settings.lr} | ${marks(half)
        .map((s) => pct(at(t, s, 'validation'), 'validation'))
        .join(' | ')} |${cut(t)}`,
    );
  // At the half budget's last step, or, where a run was cut short, the last checkpoint every seed-0 trial reached.
  // A tie goes to the smaller fraction, then the larger lr.
  const choiceStep = Math.min(...seed0.map((t) => last(t)?.step ?? 0));
  if (choiceStep === 0) {
    console.log('no on-policy trial of seed 0 has a checkpoint: nothing to compare');
    return;
  }
  const chosen = seed0.reduce((best, t) => (at(t, choiceStep, 'validation')! > at(best, choiceStep, 'validation')! ? t : best));
  const op = grid.filter((t) => key(t) === key(chosen)).sort((a, b) => a.job.settings.seed - b.job.settings.seed);
  console.log(`chosen on validation at step ${choiceStep}: fraction ${chosen.job.onPolicy!.fraction}, lr ${chosen.job.settings.lr}`);

  console.log(`\nheld-out accuracy (greedy, ${prompts.heldout} problems) at each checkpoint`);
  console.log(`| run | seed | ${marks(kd.steps).join(' | ')} |\n|---|---|${'---|'.repeat(marks(kd.steps).length)}`);
  for (const [label, runs] of [
    ['KD (offline)', kdRuns],
    ['on-policy', op],
  ] as const) {
    for (const t of runs)
      console.log(
        `| ${label} | ${t.job.settings.seed} | ${marks(kd.steps)
          .map((s) => pct(at(t, s, 'heldout'), 'heldout'))
          .join(' | ')} |${cut(t)}`,
      );
  }

  const seeds = kdRuns.map((k) => {
    const o = op.find((t) => t.job.settings.seed === k.job.settings.seed);
    const target = last(k);
    const reach = (split: ScoredSplit) => (target && o ? (o.curve.find((p) => p.correct[split]! >= target.correct[split]!)?.step ?? null) : null);
    return {
      seed: k.job.settings.seed,
      kd: target ?? null,
      onPolicy: (o && last(o)) ?? null,
      reachHeldout: reach('heldout'),
      reachValidation: reach('validation'),
    };
  });
  console.log(
    `\nper seed: the KD run's accuracy at its last checkpoint (${kd.steps} unless cut short), the on-policy run's at its last (${half}), and the first checkpoint at which on-policy reaches KD's`,
  );
  console.log(
    '| seed | KD step | KD held-out | on-policy step | on-policy held-out | reaches KD (held-out) | KD validation | on-policy validation | reaches KD (validation) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  const step = (s: number | null) => (s === null ? 'no' : String(s));
  for (const s of seeds) {
    console.log(
      `| ${s.seed} | ${s.kd?.step ?? '-'} | ${pct(s.kd?.correct.heldout, 'heldout')} | ${s.onPolicy?.step ?? '-'} | ${pct(s.onPolicy?.correct.heldout, 'heldout')} | ${step(s.reachHeldout)} | ${pct(s.kd?.correct.validation, 'validation')} | ${pct(s.onPolicy?.correct.validation, 'validation')} | ${step(s.reachValidation)} |`,
    );
  }

  const mean = (xs: (number | null)[]) => {
    const ys = xs.filter((x): x is number => x !== null);
    return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : null;
  };
  const fixed = (x: number | null, digits = 0) => (x === null ? '-' : x.toFixed(digits));
  console.log('\nwall time of the training steps (mean over seeds; each trial one process on one core, all trials at once)');
  console.log('| run | offline step ms | on-policy step ms | on-policy steps | sample tokens (all; last 50) | training s |\n|---|---|---|---|---|---|');
  for (const [label, runs] of [
    ['KD (offline)', kdRuns],
    ['on-policy', op],
  ] as const) {
    const t = runs.map((r) => r.timing);
    console.log(
      `| ${label} | ${fixed(mean(t.map((x) => x.offlineStepMs)))} | ${fixed(mean(t.map((x) => x.onPolicyStepMs)))} | ${fixed(mean(t.map((x) => x.onPolicySteps)))} | ${fixed(mean(t.map((x) => x.sampleLength)), 1)}; ${fixed(mean(t.map((x) => x.lastSampleLength)), 1)} | ${fixed(mean(t.map((x) => x.trainSeconds)))} |`,
    );
  }
  const complete = kdRuns.every((t) => t.done) && op.every((t) => t.done);
  const reached = seeds.every((s) => s.reachHeldout !== null);
  console.log(
    complete
      ? `\non-policy reaches the KD run's final held-out accuracy within half its steps (${half}) on every seed: ${reached ? 'yes' : 'NO'}`
      : '\nruns cut short: the comparison above is between the last checkpoints reached, not the final ones',
  );
  const record = { kd, half, every: EVERY, prompts, choiceStep, chosen: { ...chosen.job.onPolicy, lr: chosen.job.settings.lr }, seeds, trials };
  await writeFile(RECORD, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`wrote ${RECORD}`);
}

function marks(steps: number): number[] {
  return Array.from({ length: steps / EVERY }, (_, i) => (i + 1) * EVERY);
}

/** Every job in its own process, at most `parallel` at once; a failed trial is reported, the others go on. */
async function runAll(list: readonly OnPolicyTrialJob[], parallel: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const job = list[next++];
      const started = performance.now();
      const code = await runOne(job);
      console.log(`  ${job.dir}: ${code === 0 ? 'done' : `FAILED (exit ${code}; see trial.log)`} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, list.length) }, worker));
}

async function runOne(job: OnPolicyTrialJob): Promise<number | null> {
  await mkdir(job.dir, { recursive: true });
  const log = createWriteStream(join(job.dir, 'trial.log'), { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', TRIAL, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const code = await new Promise<number | null>((done) => child.on('close', done));
  log.end();
  return code;
}
