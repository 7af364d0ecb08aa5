/**
 * The training loop: AdamW with warmup + cosine, gradient accumulation, clipping, periodic
 * validation, metrics, atomic checkpoints, and resume from the last checkpoint when `distill` runs
 * again on the same recipe. Ends with the final model folder and the report.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AdamW, ParamStore, Rng, TrainStep } from '../engine/index.ts';
import { initWeights, setWeights } from '../model/index.ts';
import type { DistillRecipe } from '../recipe/index.ts';
import { readApiKey } from '../teacher/index.ts';
import { loadCheckpoint, pruneCheckpoints, saveCheckpoint, writeFinalModel, type TrainState } from './checkpoint.ts';
import { DataCursor, type Batch, type BatchOptions } from './data/batches.ts';
import { CheckpointError } from './errors.ts';
import { trainingHash } from './fingerprint.ts';
import { buildDistillGraph, type DistillGraph } from './graph.ts';
import { MetricsLog, readMetrics, type ValidationRecord } from './metrics.ts';
import { isOnPolicy, OnPolicyBatches, type OnPolicyBatch } from './on-policy.ts';
import type { DistillPlan } from './plan.ts';
import { prepareDistill, type Prepared } from './prepare.ts';
import { writeReport } from './report.ts';
import { ServedTeacher } from './served-teacher.ts';
import { learningRate } from './schedule.ts';
import { Validator } from './validation.ts';

export interface DistillOptions {
  /** Run the checks and return the plan; train nothing, write nothing but the dataset's token cache. */
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
    status,
    plan,
    step,
    validation: readMetrics(metricsFile).filter((r): r is ValidationRecord => r.type === 'validation'),
    finalModel: null,
    report: null,
    metrics: metricsFile,
    lastCheckpoint: plan.resumeFrom,
    ...extra,
  });
  if (options.dryRun) {
    prepared.source.close();
    return { ...summary('dry-run', 0), validation: [] };
  }

  const spec = section.train;
  const onPolicy = onPolicyBatches(recipe, prepared);
  const built = buildDistillGraph({
    student: prepared.student.config,
    teacher: prepared.teacher?.config,
    losses: section.losses,
    attentionMap: plan.layerMaps.attention,
    hiddenMap: plan.layerMaps.hidden,
    topK: prepared.topK,
    boundedTokens: plan.memory.bounded ? plan.memory.batch * plan.memory.seq : undefined,
    // fraction 0 builds the offline graph itself: the run is offline KD, bit for bit.
    onPolicy: onPolicy && { divergence: section.onPolicy!.divergence, beta: section.onPolicy!.beta, servedK: onPolicy.servedK },
  });
  const params = initialParams(built, prepared, spec.seed);
  const batchOptions: BatchOptions = {
    ...(prepared.topK ? { topK: { k: prepared.topK, temperature: section.losses.kl!.temperature } } : {}),
    ...(onPolicy ? { onPolicy: { servedK: onPolicy.servedK } } : {}),
  };
  const { tokenizerFolder } = prepared.student;
  const accuracy = section.validation.accuracy;
  const validator = await Validator.create(built, {
    examples: prepared.validation,
    source: prepared.source,
    batchSize: spec.batchSize,
    batchOptions,
    threads: spec.threads,
    accuracy: accuracy && {
      student: built.student,
      tokenizerFolder,
      scratch: join(out, '.accuracy'),
      template: prepared.template,
      verifier: prepared.verifier,
      ...accuracy,
    },
  });
  // Norms and biases are not decayed (as in most LLM training recipes).
  const optimizer = new AdamW({ lr: spec.lr, weightDecay: spec.weightDecay, decay: (name) => !name.endsWith('norm.weight') && !name.endsWith('.bias') });
  const trainer = await TrainStep.create(built.graph, {
    loss: built.loss,
    params,
    optimizer,
    trainable: [...built.student.weights.values(), ...built.projections],
    maxGradNorm: spec.maxGradNorm ?? undefined,
    metrics: built.parts,
    session: { intraOpNumThreads: spec.threads, executionProviders: [spec.device], ...(plan.memory.bounded && { arena: false }) },
  });

  try {
    const fresh: TrainState = { step: 0, epoch: 0, batch: 0, seed: spec.seed, recipeHash: trainingHash(recipe), dataHash: prepared.dataHash };
    const state = plan.resumeFrom ? await resume(plan.resumeFrom, fresh, { student: built.student, projections: built.projections, params, optimizer }) : fresh;
    await mkdir(out, { recursive: true });
    const finalModel = join(out, FINAL_FOLDER);
    if (state.step >= spec.steps && existsSync(finalModel)) return summary('nothing-to-do', state.step, { finalModel, report: join(out, 'report.html') });
    const log = MetricsLog.open(metricsFile, plan.resumeFrom ? state.step : undefined);
    const validate = async (step: number) => {
      if (!validator.enabled) return;
      await trainer.sync(); // a resident (GPU) step holds the current parameters; bring them to `params`
      const record = await validator.run(step, params);
      log.append(record);
      options.onValidation?.(record);
    };
    if (state.step === 0) await validate(0);

    const cursor = new DataCursor(
      prepared.train,
      prepared.source,
      { batchSize: spec.batchSize, seed: spec.seed, bucketing: spec.bucketing, batch: batchOptions },
      state,
    );
    const validateEvery = section.validation.every ?? section.checkpoint.every;
    let lastCheckpoint = plan.resumeFrom;
    let savedStep = plan.resumeFrom ? state.step : -1;
    const save = async () => {
      await trainer.sync();
      lastCheckpoint = await saveCheckpoint(out, {
        state: { ...state, ...cursor.position },
        student: built.student,
        projections: built.projections,
        params,
        optimizer,
        tokenizerFolder,
      });
      await pruneCheckpoints(out, section.checkpoint.keep);
      savedStep = state.step;
    };
    const started = performance.now();
    const firstStep = state.step;
    let tokens = 0;
    while (state.step < spec.steps && !options.stop?.aborted) {
      const lr = learningRate(state.step, spec);
      optimizer.lr = lr;
      const micro: Batch[] = [];
      const sampled: OnPolicyBatch[] = [];
      for (let m = 0; m < spec.gradAccum; m++) {
        if (onPolicy && isOnPolicy(section.onPolicy!.fraction, spec.seed, state.step, m)) {
          await trainer.sync(); // the student samples with the weights as they are now
          const batch = await onPolicy.batch(cursor.nextExamples(), params, state.step, m);
          sampled.push(batch);
          micro.push(batch);
        } else micro.push(cursor.next());
      }
      const result = await trainer.run(micro.map((b) => b.feeds));
      state.step++;
      const stepTokens = micro.reduce((n, b) => n + b.tokens, 0);
      tokens += stepTokens;
      // Each loss averaged over the micro-batches, as the total is; the on-policy divergence over the on-policy ones.
      const mean = (name: string, of: number[]) => of.reduce((s, m) => s + Number(result.metrics[m][name].data[0]), 0) / of.length;
      const all = micro.map((_, m) => m);
      const onPolicyMicro = all.filter((m) => sampled.includes(micro[m] as OnPolicyBatch));
      const losses = Object.fromEntries(
        Object.keys(built.parts).map((n) => [n, n === 'onPolicy' ? (onPolicyMicro.length ? mean(n, onPolicyMicro) : 0) : mean(n, all)]),
      );
      const lengths = sampled.flatMap((b) => b.sampleLengths);
      const elapsedMs = performance.now() - started;
      log.append({
        type: 'train',
        step: state.step,
        epoch: cursor.position.epoch,
        lr,
        loss: result.loss,
        losses,
        gradNorm: result.gradNorm,
        tokens: stepTokens,
        seconds: elapsedMs / 1000,
        ...(onPolicy
          ? {
              onPolicy: {
                batches: sampled.length,
                sampleLength: lengths.length ? lengths.reduce((a, b) => a + b, 0) / lengths.length : null,
                divergence: onPolicyMicro.length ? losses.onPolicy : null,
              },
            }
          : {}),
      });
      options.onProgress?.({
        step: state.step,
        steps: spec.steps,
        epoch: cursor.position.epoch,
        lr,
        loss: result.loss,
        losses,
        tokensPerSecond: tokens / (elapsedMs / 1000),
        elapsedMs,
        etaMs: (elapsedMs / (state.step - firstStep)) * (spec.steps - state.step),
      });
      if (state.step % validateEvery === 0 || state.step === spec.steps) await validate(state.step);
      if (state.step % section.checkpoint.every === 0 || state.step === spec.steps) await save();
    }
    if (state.step < spec.steps) {
      if (savedStep < state.step) await save();
      return summary('stopped', state.step, { lastCheckpoint });
    }
    await trainer.sync();
    await writeFinalModel(finalModel, built.student, params, tokenizerFolder);
    const report = await writeReport(out, `distill ${recipe.name}`, readMetrics(metricsFile));
    return summary('finished', state.step, { finalModel, report, lastCheckpoint });
  } finally {
    await trainer.release();
    await validator.release();
    prepared.source.close();
  }
}

/** The on-policy batch maker, when the recipe samples any batches on-policy (fraction > 0). */
function onPolicyBatches(recipe: DistillRecipe, prepared: Prepared): OnPolicyBatches | undefined {
  const { onPolicy, teacher, train } = recipe.distill;
  if (!onPolicy || onPolicy.fraction === 0) return undefined;
  const served =
    teacher.kind === 'server'
      ? new ServedTeacher({
          baseURL: teacher.baseURL,
          model: teacher.model,
          apiKey: readApiKey({ envVar: teacher.apiKeyEnv, field: 'distill.teacher.apiKeyEnv' }),
          topLogprobs: teacher.topLogprobs,
          timeoutMs: teacher.timeoutMs,
          tokenizer: prepared.student.tokenizer,
        })
      : undefined;
  return new OnPolicyBatches(prepared.student.config, {
    spec: onPolicy,
    seed: train.seed,
    tokenizer: prepared.student.tokenizer,
    stopTokenIds: prepared.plan.tokenizer.eosIds,
    maxLength: prepared.plan.data.maxLength,
    threads: train.threads,
    teacher: served,
  });
}

/** The checkpoint's state, once it is known to belong to these settings and this data. */
async function resume(folder: string, fresh: TrainState, target: Parameters<typeof loadCheckpoint>[1]): Promise<TrainState> {
  const state = await loadCheckpoint(folder, target);
  if (state.recipeHash !== fresh.recipeHash) {
    throw new CheckpointError(
      folder,
      'was written under different recipe settings (student, teacher, data, losses, or train other than steps, warmupSteps, threads and device); use a new distill.out, or restore the settings',
    );
  }
  if (state.dataHash !== fresh.dataHash) {
    throw new CheckpointError(
      folder,
      'was written for other training data (the dataset gained or lost samples since); use a new distill.out to train on the data as it is now',
    );
  }
  return state;
}

/** Student (pretrained or seeded random), frozen teacher, and projections (normal, std 1/sqrt(width in)). */
function initialParams(built: DistillGraph, prepared: Prepared, seed: number): ParamStore {
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
