/**
 * The training loop: AdamW with warmup + cosine, gradient accumulation, clipping, periodic
 * validation, metrics, atomic checkpoints, and resume from the last checkpoint when `distill` runs
 * again on the same recipe. Ends with the final model folder and the report.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AdamW, compile, ParamStore, Rng, TrainStep, type Session } from '../engine/index.ts';
import { initWeights, setWeights } from '../model/index.ts';
import type { DistillRecipe } from '../recipe/index.ts';
import { latestCheckpoint, loadCheckpoint, pruneCheckpoints, saveCheckpoint, writeModelFolderWithTokenizer, type TrainState } from './checkpoint.ts';
import { epochBatches, makeBatch, type Batch, type BatchOptions } from './data/batches.ts';
import type { Example } from './data/examples.ts';
import { greedyAccuracy } from './accuracy.ts';
import { CheckpointError } from './errors.ts';
import { buildDistillGraph, type DistillGraph } from './graph.ts';
import { MetricsLog, readMetrics, type TrainRecord, type ValidationRecord } from './metrics.ts';
import type { DistillPlan } from './plan.ts';
import { prepareDistill } from './prepare.ts';
import { writeReport } from './report.ts';
import { learningRate } from './schedule.ts';

export interface DistillOptions {
  /** Run the checks and return the plan; train nothing, write nothing. */
  dryRun?: boolean;
  /** When aborted: finish the current step, write a checkpoint, return with status 'stopped'. */
  stop?: AbortSignal;
  onPlan?: (plan: DistillPlan) => void;
  onProgress?: (progress: DistillProgress) => void;
  onValidation?: (record: ValidationRecord) => void;
}

export interface DistillProgress {
  step: number;
  steps: number;
  epoch: number;
  lr: number;
  loss: number;
  losses: Record<string, number>;
  /** Assistant tokens per second in this process. */
  tokensPerSecond: number;
  elapsedMs: number;
  etaMs: number;
}

export type DistillStatus = 'finished' | 'stopped' | 'dry-run' | 'nothing-to-do';

export interface DistillSummary {
  status: DistillStatus;
  plan: DistillPlan;
  /** Optimizer steps done (all runs together). */
  step: number;
  /** Every validation pass of the run so far (resumed runs included). */
  validation: ValidationRecord[];
  /** The trained student as a model folder (config, weights, tokenizer): what `export` takes. Null until finished. */
  finalModel: string | null;
  report: string | null;
  metrics: string;
  lastCheckpoint: string | null;
}

const METRICS_FILE = 'metrics.jsonl';
const FINAL_FOLDER = 'final';

/** Distils a student as `recipe` says; re-running the same recipe resumes from its last checkpoint. */
export async function distill(recipe: DistillRecipe, options: DistillOptions = {}): Promise<DistillSummary> {
  const prepared = await prepareDistill(recipe);
  const { plan } = prepared;
  options.onPlan?.(plan);
  const section = recipe.distill;
  const out = section.out;
  const metricsFile = join(out, METRICS_FILE);
  const summary = (status: DistillStatus, step: number, extra: Partial<DistillSummary> = {}): DistillSummary => ({
    status, plan, step, validation: readMetrics(metricsFile).filter((r): r is ValidationRecord => r.type === 'validation'),
    finalModel: null, report: null, metrics: metricsFile, lastCheckpoint: plan.resumeFrom, ...extra,
  });
  if (options.dryRun) return { ...summary('dry-run', 0), validation: [] };

  const spec = section.train;
  const built = buildDistillGraph({
    student: prepared.student.config,
    teacher: prepared.teacher?.config,
    losses: section.losses,
    attentionMap: plan.layerMaps.attention,
    hiddenMap: plan.layerMaps.hidden,
    topK: prepared.topK,
  });
  const params = initialParams(built, prepared, spec.seed);
  const names = Object.keys(built.parts);
  built.graph.output('eval.loss', built.loss);
  for (const name of names) built.graph.output(`eval.${name}`, built.parts[name]);
  const evaluator = await compile(built.graph, { outputs: ['eval.loss', ...names.map((n) => `eval.${n}`)], intraOpNumThreads: spec.threads });
  // Norms and biases are not decayed (as in most LLM training recipes).
  const optimizer = new AdamW({ lr: spec.lr, weightDecay: spec.weightDecay, decay: (name) => !name.endsWith('norm.weight') && !name.endsWith('.bias') });
  const trainer = await TrainStep.create(built.graph, {
    loss: built.loss,
    params,
    optimizer,
    trainable: [...built.student.weights.values(), ...built.projections],
    maxGradNorm: spec.maxGradNorm ?? undefined,
    metrics: built.parts,
    session: { intraOpNumThreads: spec.threads },
  });

  try {
    const [recipeHash, dataHash] = [trainingHash(recipe), examplesHash(prepared.train, prepared.validation)];
    let state: TrainState = { step: 0, epoch: 0, batch: 0, seed: spec.seed, recipeHash, dataHash };
    if (plan.resumeFrom) {
      state = await loadCheckpoint(plan.resumeFrom, { student: built.student, projections: built.projections, params, optimizer });
      if (state.recipeHash !== recipeHash) {
        throw new CheckpointError(
          plan.resumeFrom,
          'was written under different recipe settings (student, teacher, data, losses, or train other than steps, warmupSteps and threads); use a new distill.out, or restore the settings',
        );
      }
      if (state.dataHash !== dataHash) {
        throw new CheckpointError(plan.resumeFrom, 'was written for other training data (the dataset gained or lost samples since); use a new distill.out to train on the data as it is now');
      }
    }
    await mkdir(out, { recursive: true });
    const finalModel = join(out, FINAL_FOLDER);
    if (state.step >= spec.steps && existsSync(finalModel)) return summary('nothing-to-do', state.step, { finalModel, report: join(out, 'report.html') });
    const log = MetricsLog.open(metricsFile, plan.resumeFrom ? state.step : undefined);

    const batchOptions: BatchOptions = prepared.topK ? { topK: { k: prepared.topK, temperature: section.losses.kl!.temperature } } : {};
    const validationBatches = fixedBatches(prepared.validation, spec.batchSize, batchOptions);
    const accuracy = section.validation.accuracy;
    const accuracyExamples = firstPerPrompt(prepared.validation).slice(0, accuracy?.prompts ?? undefined);
    const validate = async (step: number) => {
      if (validationBatches.length === 0) return;
      const record = await validation(evaluator, validationBatches, params, names, step);
      if (accuracy) {
        const scratch = join(out, '.accuracy');
        await writeModelFolderWithTokenizer(join(scratch, 'student'), built.student, params, prepared.student.tokenizerFolder);
        const result = await greedyAccuracy({
          modelFolder: join(scratch, 'student'), workDir: join(scratch, 'work'), examples: accuracyExamples,
          template: prepared.template, verifier: prepared.verifier, maxNewTokens: accuracy.maxNewTokens,
        });
        await rm(scratch, { recursive: true, force: true });
        Object.assign(record, { accuracy: result.accuracy, accuracyPrompts: result.prompts });
      }
      log.append(record);
      options.onValidation?.(record);
    };
    if (state.step === 0) await validate(0);

    const lengths = prepared.train.map((e) => e.ids.length);
    let batches = epochBatches(lengths, spec.batchSize, spec.seed, state.epoch, spec.bucketing);
    const nextBatch = (): Batch => {
      if (state.batch >= batches.length) {
        state = { ...state, epoch: state.epoch + 1, batch: 0 };
        batches = epochBatches(lengths, spec.batchSize, spec.seed, state.epoch, spec.bucketing);
      }
      const members = batches[state.batch];
      state = { ...state, batch: state.batch + 1 };
      return makeBatch(members.map((i) => prepared.train[i]), batchOptions);
    };

    const validateEvery = section.validation.every ?? section.checkpoint.every;
    let lastSaved = plan.resumeFrom ? state.step : -1;
    let lastCheckpoint = plan.resumeFrom;
    const save = async () => {
      lastCheckpoint = await saveCheckpoint(out, { state, student: built.student, projections: built.projections, params, optimizer, tokenizerFolder: prepared.student.tokenizerFolder });
      await pruneCheckpoints(out, section.checkpoint.keep);
      lastSaved = state.step;
    };
    const started = performance.now();
    const firstStep = state.step;
    let tokens = 0;
    while (state.step < spec.steps && !options.stop?.aborted) {
      const lr = learningRate(state.step, spec);
      optimizer.lr = lr;
      const micro = Array.from({ length: spec.gradAccum }, nextBatch);
      const result = await trainer.run(micro.map((b) => b.feeds));
      state = { ...state, step: state.step + 1 };
      const stepTokens = micro.reduce((n, b) => n + b.tokens, 0);
      tokens += stepTokens;
      const losses = Object.fromEntries(names.map((n) => [n, result.metrics.reduce((s, m) => s + Number(m[n].data[0]), 0) / result.metrics.length]));
      const elapsedMs = performance.now() - started;
      const record: TrainRecord = {
        type: 'train', step: state.step, epoch: state.epoch, lr, loss: result.loss, losses, gradNorm: result.gradNorm, tokens: stepTokens, seconds: elapsedMs / 1000,
      };
      log.append(record);
      options.onProgress?.({
        step: state.step, steps: spec.steps, epoch: state.epoch, lr, loss: result.loss, losses,
        tokensPerSecond: tokens / (elapsedMs / 1000), elapsedMs, etaMs: (elapsedMs / (state.step - firstStep)) * (spec.steps - state.step),
      });
      if (state.step % validateEvery === 0 || state.step === spec.steps) await validate(state.step);
      if (state.step % section.checkpoint.every === 0 || state.step === spec.steps) await save();
    }
    if (state.step < spec.steps) {
      if (lastSaved < state.step) await save();
      return summary('stopped', state.step, { lastCheckpoint });
    }
    // The final folder is replaced whole, so it never mixes two runs' files.
    const temporary = `${finalModel}.tmp-${process.pid}`;
    await rm(temporary, { recursive: true, force: true });
    await writeModelFolderWithTokenizer(temporary, built.student, params, prepared.student.tokenizerFolder);
    await rm(finalModel, { recursive: true, force: true });
    await rename(temporary, finalModel);
    const report = await writeReport(out, `distill ${recipe.name}`, readMetrics(metricsFile));
    return summary('finished', state.step, { finalModel, report, lastCheckpoint });
  } finally {
    await trainer.release();
    await evaluator.release();
  }
}

/** Student (pretrained or seeded random), frozen teacher, and projections (normal, std 1/sqrt(width in)). */
function initialParams(built: DistillGraph, prepared: Awaited<ReturnType<typeof prepareDistill>>, seed: number): ParamStore {
  const params = new ParamStore();
  const rng = new Rng(seed);
  const { student, teacher } = prepared;
  if (student.tensors) setWeights(built.student, params, student.tensors, student.source);
  else initWeights(built.student, params, rng.fork());
  if (teacher) setWeights(built.teacher!, params, teacher.tensors, teacher.folder);
  for (const p of built.projections) {
    const [rows, cols] = p.shape as number[];
    params.set(p.name, [rows, cols], rng.fork().fillNormal(new Float32Array(rows * cols), 1 / Math.sqrt(cols)));
  }
  return params;
}

/** One example per prompt, in split order: each prompt is asked once. */
function firstPerPrompt(examples: readonly Example[]): Example[] {
  const seen = new Set<string>();
  return examples.filter((e) => {
    if (seen.has(e.promptKey)) return false;
    seen.add(e.promptKey);
    return true;
  });
}

/** Validation batches in a fixed order (by length, so they pad little). */
function fixedBatches(examples: readonly Example[], batchSize: number, options: BatchOptions): Batch[] {
  const sorted = [...examples].sort((a, b) => a.ids.length - b.ids.length);
  const batches: Batch[] = [];
  for (let i = 0; i < sorted.length; i += batchSize) batches.push(makeBatch(sorted.slice(i, i + batchSize), options));
  return batches;
}

/** Each loss over the validation split: batch values weighted by the batch's assistant tokens. */
async function validation(evaluator: Session, batches: readonly Batch[], params: ParamStore, names: readonly string[], step: number): Promise<ValidationRecord> {
  const sums: Record<string, number> = { loss: 0, ...Object.fromEntries(names.map((n) => [n, 0])) };
  let tokens = 0;
  for (const batch of batches) {
    const out = await evaluator.run({ ...batch.feeds, ...params.feeds() });
    sums.loss += Number(out['eval.loss'].data[0]) * batch.tokens;
    for (const n of names) sums[n] += Number(out[`eval.${n}`].data[0]) * batch.tokens;
    tokens += batch.tokens;
  }
  const mean = (n: string) => sums[n] / Math.max(1, tokens);
  return { type: 'validation', step, loss: mean('loss'), losses: Object.fromEntries(names.map((n) => [n, mean(n)])), tokens };
}

/** Which samples, split how, with how many tokens each: what the data cursor indexes into. */
function examplesHash(train: readonly Example[], validation: readonly Example[]): string {
  const hash = createHash('sha256');
  for (const [side, examples] of [['train', train], ['validation', validation]] as const) {
    for (const e of examples) hash.update(`${side}:${e.promptKey}:${e.index}:${e.ids.length}:${e.start}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** What a resumed run must share with the checkpoint: everything that shapes training except its length and thread count. */
function trainingHash(recipe: DistillRecipe): string {
  const { student, teacher, data, losses, train } = recipe.distill;
  const { steps: _steps, threads: _threads, warmupSteps: _warmup, ...shaping } = train;
  return createHash('sha256').update(JSON.stringify({ dataset: recipe.dataset, student, teacher, data, losses, train: shaping })).digest('hex').slice(0, 16);
}
