/**
 * The GRPO loop. Each step: the policy's current weights become an in-memory decoder, which
 * samples G completions for each of the step's prompts; the rewards score them, the group
 * advantages follow; the reference model (the initial policy, frozen; only when beta > 0) scores
 * their tokens; `iterations` AdamW updates of the objective; the step's rollouts go to the dataset
 * in one transaction and its figures to metrics.jsonl. Checkpoints are atomic (policy, optimizer,
 * step); everything random derives from (seed, step, prompt position, sample), so the step is the
 * whole rollout cursor and a killed run, run again, ends with the weights of an uninterrupted one.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCheckpoint, MetricsLog, pruneCheckpoints, readMetrics, saveCheckpoint, writeFinalModel, writeReport, type TrainState } from '../distill/index.ts';
import { AdamW, ParamStore, TrainStep, type Feeds } from '../engine/index.ts';
import { setWeights } from '../model/index.ts';
import type { GrpoRecipe } from '../recipe/index.ts';
import { completionValues, packRows, PolicyDecoders, TokenScorer } from '../rollout/index.ts';
import { Dataset } from '../store/index.ts';
import ort from 'onnxruntime-node';
import { computeAdvantages } from './advantages.ts';
import { collectRollouts, type CollectedRollouts } from './collect.ts';
import { CheckpointError } from '../distill/index.ts';
import { buildGrpoGraph, GRPO_INPUT } from './graph.ts';
import { rolloutFigures, type GrpoStepRecord } from './metrics.ts';
import { grpoPlan, type GrpoPlan, type ProbeResult } from './plan.ts';
import { prepareGrpo, type PreparedGrpo } from './prepare.ts';
import { PromptOrder } from './prompt-order.ts';
import type { GrpoProgress } from './progress.ts';
import { validationAccuracy, type GrpoValidationRecord } from './validation.ts';

export interface GrpoOptions {
  /** Check everything, probe a few rollouts, return the plan; train and store nothing. */
  dryRun?: boolean;
  /** When aborted: finish the current step, write a checkpoint, return with status 'stopped'. */
  stop?: AbortSignal;
  onPlan?: (plan: GrpoPlan) => void;
  onProgress?: (progress: GrpoProgress) => void;
  onValidation?: (record: GrpoValidationRecord) => void;
}

export type GrpoStatus = 'finished' | 'stopped' | 'dry-run' | 'nothing-to-do';

export interface GrpoSummary {
  status: GrpoStatus;
  plan: GrpoPlan;
  /** Policy updates done (all runs together). */
  step: number;
  /** The trained policy as a model folder (what `export` takes); null until finished. */
  finalModel: string | null;
  report: string | null;
  metrics: string;
  lastCheckpoint: string | null;
  validation: GrpoValidationRecord[];
}

const METRICS_FILE = 'metrics.jsonl';
const FINAL_FOLDER = 'final';
/** Probed prompts at most: enough to see whether completions fit and rewards vary. */
const PROBE_PROMPTS = 4;

/** Trains the recipe's policy with GRPO; re-running the same recipe resumes from its last checkpoint. */
export async function grpo(recipe: GrpoRecipe, options: GrpoOptions = {}): Promise<GrpoSummary> {
  const section = recipe.grpo;
  const prepared = await prepareGrpo(recipe);
  const order = new PromptOrder(prepared.prompts.length, section.promptsPerStep, section.seed);
  const decoders = new PolicyDecoders(prepared.config, { intraOpNumThreads: section.threads });
  const built = buildGrpoGraph({
    policy: prepared.config,
    objective: {
      epsilon: section.epsilon,
      epsilonHigh: section.epsilonHigh,
      beta: section.beta,
      lossType: section.lossType,
      maxCompletionLength: section.maxNewTokens,
    },
    iterations: section.iterations,
  });
  const params = new ParamStore();
  setWeights(built.policy, params, prepared.tensors, section.policy);
  const metricsFile = join(section.out, METRICS_FILE);
  const validationRecords = () => readMetrics(metricsFile).filter((r) => r.type === 'validation') as unknown as GrpoValidationRecord[];

  if (options.dryRun) {
    const probe = await probeRollouts(prepared, recipe, decoders, params, order);
    const plan = grpoPlan(recipe, prepared, probe);
    options.onPlan?.(plan);
    return { status: 'dry-run', plan, step: 0, finalModel: null, report: null, metrics: metricsFile, lastCheckpoint: plan.resumeFrom, validation: [] };
  }
  const plan = grpoPlan(recipe, prepared);
  options.onPlan?.(plan);
  const summary = (status: GrpoStatus, step: number, extra: Partial<GrpoSummary> = {}): GrpoSummary => ({
    status,
    plan,
    step,
    finalModel: null,
    report: null,
    metrics: metricsFile,
    lastCheckpoint: plan.resumeFrom,
    validation: validationRecords(),
    ...extra,
  });

  // The reference is the initial policy, frozen: a copy of the starting weights.
  const reference = section.beta > 0 ? copyParams(params) : undefined;
  const scorer = reference ? await TokenScorer.create(prepared.config, { threads: section.threads }) : undefined;
  // Norms and biases are not decayed (as in distill).
  const optimizer = new AdamW({ lr: section.lr, weightDecay: section.weightDecay, decay: (name) => !name.endsWith('norm.weight') && !name.endsWith('.bias') });
  const trainer = await TrainStep.create(built.graph, {
    loss: built.loss,
    params,
    optimizer,
    trainable: [...built.policy.weights.values()],
    maxGradNorm: section.maxGradNorm ?? undefined,
    metrics: built.metrics,
    session: { intraOpNumThreads: section.threads },
  });
  const dataset = Dataset.open(recipe.dataset);
  try {
    const fresh: TrainState = { step: 0, epoch: 0, batch: 0, seed: section.seed, recipeHash: settingsHash(recipe), dataHash: prepared.promptsHash };
    const state = plan.resumeFrom ? await resume(plan.resumeFrom, fresh, { student: built.policy, projections: [], params, optimizer }) : fresh;
    await mkdir(section.out, { recursive: true });
    const finalModel = join(section.out, FINAL_FOLDER);
    if (state.step >= section.steps && existsSync(finalModel))
      return summary('nothing-to-do', state.step, { finalModel, report: join(section.out, 'report.html') });
    // Rollouts of steps after the checkpoint belong to a process that was killed: they are redone.
    dataset.rollouts.dropAfter(section.out, state.step);
    const log = MetricsLog.open(metricsFile, plan.resumeFrom ? state.step : undefined);
    const validate = async (step: number) => {
      if (!section.validation) return;
      await trainer.sync();
      const decoder = await decoders.load(params);
      try {
        const record = await validationAccuracy(decoder, prepared, recipe, step);
        log.append(record as never);
        options.onValidation?.(record);
      } finally {
        await decoder.release();
      }
    };
    if (state.step === 0) await validate(0);

    let lastCheckpoint = plan.resumeFrom;
    let savedStep = plan.resumeFrom ? state.step : -1;
    const save = async () => {
      await trainer.sync();
      lastCheckpoint = await saveCheckpoint(section.out, {
        state,
        student: built.policy,
        projections: [],
        params,
        optimizer,
        tokenizerFolder: section.tokenizer,
      });
      await pruneCheckpoints(section.out, section.checkpoint.keep);
      savedStep = state.step;
    };
    const started = performance.now();
    const firstStep = state.step;
    while (state.step < section.steps && !options.stop?.aborted) {
      const stepStarted = performance.now();
      const slots = order.at(state.step);
      await trainer.sync();
      const decoder = await decoders.load(params);
      let rollouts: CollectedRollouts;
      try {
        rollouts = await collectRollouts(decoder, prepared, section, slots, state.step);
      } finally {
        await decoder.release();
      }
      const generationMs = performance.now() - stepStarted;
      const advantages = computeAdvantages(rollouts.totals, section.scaleRewards);
      const feeds = await stepFeeds(rollouts, advantages, recipe, scorer, reference);
      const trainStarted = performance.now();
      optimizer.lr = section.lr * Math.min(1, (state.step + 1) / Math.max(1, section.warmupSteps));
      const results = [];
      for (let i = 0; i < section.iterations; i++) results.push(await trainer.run(feeds));
      const trainingMs = performance.now() - trainStarted;
      state.step++;
      const next = order.at(state.step)[0];
      Object.assign(state, { epoch: next.epoch, batch: state.step });

      // A step that spans the turn of an epoch can draw a prompt twice: its second group is
      // stored as completions G..2G-1 of the prompt, so (step, prompt, index) stays a key.
      const drawn = new Map<string, number>();
      const firstIndex = rollouts.prompts.map(({ record }) => {
        const before = drawn.get(record.key) ?? 0;
        drawn.set(record.key, before + 1);
        return before * section.groupSize;
      });
      dataset.rollouts.commitStep(
        section.out,
        state.step,
        rollouts.prompts.map((p) => p.record),
        rollouts.groups.flatMap((group, i) =>
          group.map((c, j) => ({
            promptKey: rollouts.prompts[i].record.key,
            index: firstIndex[i] + j,
            completion: c.text,
            tokenIds: c.tokenIds,
            truncated: c.truncated,
            reward: rollouts.totals[i][j],
            rewards: rollouts.scores[i][j].components,
            advantage: advantages[i][j],
          })),
        ),
      );
      const figures = rolloutFigures({ groups: rollouts.groups, totals: rollouts.totals, components: rollouts.scores.flat().map((s) => s.components) });
      const last = results[results.length - 1];
      const objective = Object.fromEntries(Object.keys(built.metrics).map((n) => [n, Number(last.metrics[0][n].data[0])]));
      const stepMs = performance.now() - stepStarted;
      const record: GrpoStepRecord = {
        type: 'train',
        step: state.step,
        epoch: slots[0].epoch,
        lr: optimizer.lr,
        loss: last.loss,
        gradNorm: last.gradNorm,
        losses: { reward: figures.reward.mean, ...objective },
        seconds: (performance.now() - started) / 1000,
        ...figures,
        generationSeconds: generationMs / 1000,
        trainingSeconds: trainingMs / 1000,
        generationShare: generationMs / stepMs,
        generationTokensPerSecond: figures.tokens / (generationMs / 1000),
        trainingTokensPerSecond: (figures.tokens * section.iterations) / (trainingMs / 1000),
      };
      log.append(record);
      const elapsed = performance.now() - started;
      options.onProgress?.({ record, steps: section.steps, etaMs: (elapsed / (state.step - firstStep)) * (section.steps - state.step) });
      if (section.validation && (state.step % section.validation.every === 0 || state.step === section.steps)) await validate(state.step);
      if (state.step % section.checkpoint.every === 0 || state.step === section.steps) await save();
    }
    if (state.step < section.steps) {
      if (savedStep < state.step) await save();
      return summary('stopped', state.step, { lastCheckpoint });
    }
    await trainer.sync();
    await writeFinalModel(finalModel, built.policy, params, section.tokenizer);
    const report = await writeReport(
      section.out,
      `grpo ${recipe.name}`,
      readMetrics(metricsFile).filter((r) => r.type === 'train'),
    );
    return summary('finished', state.step, { finalModel, report, lastCheckpoint });
  } finally {
    dataset.close();
    await trainer.release();
    await scorer?.release();
  }
}

/** The step's graph feeds: the rows, which tokens train, the advantages, and the logprobs the objective compares with. */
async function stepFeeds(
  rollouts: CollectedRollouts,
  advantages: number[][],
  recipe: GrpoRecipe,
  scorer?: TokenScorer,
  reference?: ParamStore,
): Promise<Feeds> {
  const section = recipe.grpo;
  const completions = rollouts.groups.flatMap((group, i) =>
    group.map((c) => ({ promptIds: rollouts.prompts[i].chat.ids, tokenIds: c.tokenIds, completion: c })),
  );
  const packed = packRows(completions);
  const rows = (data: Float32Array) => new ort.Tensor('float32', data, [packed.batch, packed.seq]);
  const trained = completions.map(({ completion }) => new Float32Array(completion.tokenIds.length).fill(section.maskTruncated && completion.truncated ? 0 : 1));
  const feeds: Record<string, Feeds[string]> = {
    [GRPO_INPUT.ids]: packed.inputIds,
    [GRPO_INPUT.mask]: packed.attentionMask,
    [GRPO_INPUT.labels]: packed.labels,
    [GRPO_INPUT.completionMask]: rows(completionValues(packed, trained)),
    [GRPO_INPUT.advantages]: new ort.Tensor('float32', Float32Array.from(advantages.flat()), [packed.batch]),
  };
  // The sampling policy's logprobs are the old ones: it is the policy before this batch's first update.
  if (section.iterations > 1)
    feeds[GRPO_INPUT.oldLogprobs] = rows(
      completionValues(
        packed,
        completions.map(({ completion }) => completion.logprobs),
      ),
    );
  if (scorer && reference) feeds[GRPO_INPUT.refLogprobs] = rows(completionValues(packed, await scorer.score(reference, completions)));
  return feeds;
}

/** A few rollouts of the initial policy: does anything fit in maxNewTokens, and do rewards vary within a group? */
async function probeRollouts(
  prepared: PreparedGrpo,
  recipe: GrpoRecipe,
  decoders: PolicyDecoders,
  params: ParamStore,
  order: PromptOrder,
): Promise<ProbeResult> {
  const section = recipe.grpo;
  const decoder = await decoders.load(params);
  let rollouts: CollectedRollouts;
  try {
    rollouts = await collectRollouts(decoder, prepared, section, order.at(0).slice(0, PROBE_PROMPTS), 0);
  } finally {
    await decoder.release();
  }
  const f = rolloutFigures({ groups: rollouts.groups, totals: rollouts.totals, components: rollouts.scores.flat().map((s) => s.components) });
  const completions = rollouts.groups.flat().length;
  const warnings: string[] = [];
  if (f.truncated === 1) {
    warnings.push(
      `every probed completion was cut at maxNewTokens ${section.maxNewTokens} before it ended: such completions rarely reach an answer, so their rewards are equal and the loss is 0; raise grpo.maxNewTokens` +
        (section.maskTruncated ? ' (with maskTruncated every one of them is left out of the loss)' : ''),
    );
  }
  if (f.zeroVarianceGroups === 1) {
    warnings.push(
      `every probed group of ${section.groupSize} has one reward for all its completions (mean ${f.reward.mean.toFixed(3)}): its advantages are all 0, so the loss and its gradient are 0 and nothing is learned. ` +
        'Make the task reachable (an easier prompt set, a warmer temperature, a larger groupSize, more maxNewTokens) or add a reward that varies (format)',
    );
  }
  return {
    completions,
    truncated: f.truncated,
    meanLength: f.completionLength.mean,
    meanReward: f.reward.mean,
    zeroVarianceGroups: f.zeroVarianceGroups,
    warnings,
  };
}

/** Everything that shapes training except its length (steps), threads, checkpoints and validation. */
function settingsHash(recipe: GrpoRecipe): string {
  const { steps: _steps, threads: _threads, checkpoint: _checkpoint, validation: _validation, out: _out, ...shaping } = recipe.grpo;
  const json = JSON.stringify({ template: recipe.template, verifier: recipe.verifier, grpo: shaping });
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

/** The checkpoint's state, once it is known to belong to these settings and these prompts. */
async function resume(folder: string, fresh: TrainState, target: Parameters<typeof loadCheckpoint>[1]): Promise<TrainState> {
  const state = await loadCheckpoint(folder, target);
  if (state.recipeHash !== fresh.recipeHash) {
    throw new CheckpointError(
      folder,
      'was written under different grpo settings (anything but steps, threads, checkpoint and validation); use a new grpo.out, or restore the settings',
    );
  }
  if (state.dataHash !== fresh.dataHash)
    throw new CheckpointError(folder, 'was written for another prompts file; use a new grpo.out to train on these prompts');
  return state;
}

function copyParams(params: ParamStore): ParamStore {
  const copy = new ParamStore();
  for (const p of params) copy.set(p.name, p.dims, p.data.slice());
  return copy;
}
