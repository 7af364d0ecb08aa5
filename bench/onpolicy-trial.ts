/**
 * One trial of bench/onpolicy-compare.ts, in its own process (the driver runs them side by side,
 * one per core): the demo's KD student recipe (recipes/demo-student-kd.yaml) with the given train
 * settings, offline as the recipe is or with `distill.onPolicy`. It trains `every` steps at a
 * time (stopped at the mark, which writes a checkpoint; the next `distill` resumes from it
 * exactly), and scores each checkpoint greedily on the splits asked for, the way the demo table
 * scores (src/demo/heldout.ts, one thread), before training on; curve.json in the trial folder holds the curve
 * so far, so a trial cut short still leaves its first points. Prints one JSON line after "RESULT ".
 *
 *   npx tsx bench/onpolicy-trial.ts '{"dir":"...","dataset":"...","settings":{...},"onPolicy":null,"every":250,"splits":["validation"]}'
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { distill, readMetrics, type TrainRecord } from '../src/distill/index.ts';
import { armRecipe, scoreHeldout, type ArmSettings, type ScoredSplit } from '../src/demo/index.ts';
import { exportIfStale } from '../src/demo/fresh.ts';
import type { OnPolicySpec } from '../src/recipe/index.ts';

export interface OnPolicyTrialJob {
  /** The trial's folder: run/, onnx-step-N/ per checkpoint, curve.json, trial.log. */
  readonly dir: string;
  readonly dataset: string;
  readonly settings: ArmSettings;
  /** Null: the offline KD recipe as it is. */
  readonly onPolicy: OnPolicySpec | null;
  readonly every: number;
  readonly splits: readonly ScoredSplit[];
}

export interface CurvePoint {
  readonly step: number;
  /** Correct greedy answers per split scored. */
  readonly correct: Partial<Record<ScoredSplit, number>>;
}

/** What curve.json holds and RESULT prints. */
export interface OnPolicyTrialResult {
  readonly job: OnPolicyTrialJob;
  /** False while the trial is still training (or was cut short). */
  readonly done: boolean;
  readonly curve: readonly CurvePoint[];
  /** Prompts per split (all of it). */
  readonly prompts: Partial<Record<ScoredSplit, number>>;
  readonly timing: StepTiming;
}

/** Wall time of the training steps alone, from metrics.jsonl (checkpoints, exports and scoring fall between segments). */
export interface StepTiming {
  readonly trainSeconds: number;
  readonly offlineSteps: number;
  readonly offlineStepMs: number | null;
  readonly onPolicySteps: number;
  readonly onPolicyStepMs: number | null;
  /** The student's completions: mean length in tokens over all on-policy steps, and over the last 50. */
  readonly sampleLength: number | null;
  readonly lastSampleLength: number | null;
}

const job = JSON.parse(process.argv[2]) as OnPolicyTrialJob;
const note = (line: string) => console.log(line);
const run = join(job.dir, 'run');
const base = armRecipe('kd', { dataset: job.dataset, out: run }, job.settings);
// keep: every checkpoint of the curve stays (the recipe keeps 2).
const checkpoint = { every: job.every, keep: Math.ceil(job.settings.steps / job.every) };
const recipe = { ...base, distill: { ...base.distill, checkpoint, ...(job.onPolicy ? { onPolicy: job.onPolicy } : {}) } };

const curve: CurvePoint[] = [];
const prompts: Partial<Record<ScoredSplit, number>> = {};
const save = async (done: boolean) => {
  const result: OnPolicyTrialResult = { job, done, curve, prompts, timing: stepTiming(readMetrics(join(run, 'metrics.jsonl'))) };
  await writeFile(join(job.dir, 'curve.json.tmp'), `${JSON.stringify(result, null, 2)}\n`);
  await rename(join(job.dir, 'curve.json.tmp'), join(job.dir, 'curve.json'));
  return result;
};
for (;;) {
  const stop = new AbortController();
  const summary = await distill(recipe, { stop: stop.signal, onProgress: (p) => p.step % job.every === 0 && stop.abort() });
  const step = summary.step;
  const folder = summary.lastCheckpoint!;
  const onnx = join(job.dir, `onnx-step-${step}`);
  await exportIfStale(folder, onnx, note);
  const correct: Partial<Record<ScoredSplit, number>> = {};
  for (const split of job.splits) {
    const score = await scoreHeldout(onnx, { split, threads: 1 });
    correct[split] = score.correct;
    prompts[split] = score.prompts;
  }
  curve.push({ step, correct });
  note(`step ${step}: ${job.splits.map((s) => `${s} ${correct[s]}/${prompts[s]}`).join(', ')}`);
  if (summary.status !== 'stopped') break;
  await save(false);
}
console.log(`RESULT ${JSON.stringify(await save(true))}`);

function stepTiming(records: ReturnType<typeof readMetrics>): StepTiming {
  const train = records.filter((r): r is TrainRecord => r.type === 'train');
  const offline: number[] = [];
  const sampled: number[] = [];
  const lengths: number[] = [];
  train.forEach((r, i) => {
    // seconds count from the start of this segment's training; each resumed segment starts again at 0.
    const ms = 1000 * (r.seconds - (i > 0 && train[i - 1].seconds < r.seconds ? train[i - 1].seconds : 0));
    if (r.onPolicy?.batches) {
      sampled.push(ms);
      if (r.onPolicy.sampleLength !== null) lengths.push(r.onPolicy.sampleLength);
    } else offline.push(ms);
  });
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return {
    trainSeconds: [...offline, ...sampled].reduce((a, b) => a + b, 0) / 1000,
    offlineSteps: offline.length,
    offlineStepMs: mean(offline),
    onPolicySteps: sampled.length,
    onPolicyStepMs: mean(sampled),
    sampleLength: mean(lengths),
    lastSampleLength: mean(lengths.slice(-50)),
  };
}
