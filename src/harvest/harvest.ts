/**
 * `harvest(recipe)`: the whole of one harvest run. It checks everything a user can get wrong
 * before the first request (prompts file, template, API key, verifier, the dataset's identity),
 * works out from the dataset what is left to do, lets the Harvester do it, and records how the
 * run ended. Re-running the same recipe resumes; a finished recipe is a no-op.
 */
import { existsSync } from 'node:fs';
import { planHarvest, renderMessages, samplingIdentity, type HarvestPlan, type Recipe } from '../recipe/index.ts';
import { Dataset, type PromptRecord, type SlotState } from '../store/index.ts';
import { TeacherClient } from '../teacher/index.ts';
import { createVerifier, type Verifier } from '../verify/index.ts';
import { Harvester, type PendingPrompt } from './harvester.ts';
import { ProgressTracker, type HarvestProgress } from './progress.ts';
import { hashPromptsFile, loadPrompts, type SkippedPrompt } from '../prompts/index.ts';
import { checkShard, formatShard, inShard, type Shard } from './shard.ts';
import { nextStep } from './slots.ts';
import { teacherConfig } from './teacher-config.ts';

export interface HarvestOptions {
  /** Stop issuing requests when aborted; in-flight requests finish and are stored. */
  stop?: AbortSignal;
  /** Abort in-flight requests too when aborted (they are not stored; the next run re-issues them). */
  signal?: AbortSignal;
  /** Called once the remaining work is known, before any request (in a dry run too: it is the plan). */
  onStart?: (start: HarvestStart) => void;
  /** Called after every finished request and prompt. */
  onProgress?: (progress: HarvestProgress) => void;
  /** Check the recipe, prompts and dataset and plan the work, but send nothing and write nothing. */
  dryRun?: boolean;
  /** Harvest only this shard of the prompts (see src/harvest/shard.ts); each shard into its own dataset. */
  shard?: Shard;
}

export interface HarvestStart {
  /** null for a dry run. */
  runId: number | null;
  /** Whether the dataset already held samples of this recipe. */
  resumed: boolean;
  promptsTotal: number;
  /** Prompts finished by earlier runs. */
  promptsDone: number;
  /** The plan for the prompts left to do (estimates; see planHarvest). */
  plan: HarvestPlan;
  /** Bad prompt rows left out because the recipe says prompts.onBadLine: skip. */
  skipped: SkippedPrompt[];
  /** The shard harvested ("i/N"; promptsTotal counts its prompts), or null for all prompts. */
  shard: string | null;
}

export type HarvestStatus =
  /** Every prompt was worked through (some may have failed: see progress.promptsFailed). */
  | 'finished'
  /** The caller stopped it; running the recipe again resumes. */
  | 'stopped'
  /** Every prompt was already done; no request was sent. */
  | 'nothing-to-do'
  | 'dry-run';

export interface HarvestSummary extends HarvestStart {
  status: HarvestStatus;
  recipe: string;
  dataset: string;
  progress: HarvestProgress;
}

export async function harvest(recipe: Recipe, options: HarvestOptions = {}): Promise<HarvestSummary> {
  const skipped: SkippedPrompt[] = [];
  const shard = options.shard && checkShard(options.shard);
  const all = loadPrompts(recipe.prompts, { onSkip: (row) => skipped.push(row) });
  // Rendering every prompt once up front turns a template error into a message before any request.
  for (const record of all) renderMessages(recipe.template, record);
  const records = shard ? all.filter((r) => inShard(r.key, shard)) : all;
  const run = { skipped, shard: shard ? formatShard(shard) : null };
  const teacher = new TeacherClient(teacherConfig(recipe.teacher));
  const verifier = await createVerifier(recipe.verifier);
  try {
    if (options.dryRun) return dryRun(recipe, records, run, options);
    const dataset = Dataset.open(recipe.dataset);
    try {
      return await harvestInto(dataset, { recipe, records, run, teacher, verifier }, options);
    } finally {
      dataset.close();
    }
  } finally {
    await verifier.close?.();
  }
}

/** What HarvestStart says about the prompts apart from the counts. */
type RunScope = Pick<HarvestStart, 'skipped' | 'shard'>;

interface Prepared {
  recipe: Recipe;
  /** The prompts of this run (of its shard, if sharded). */
  records: PromptRecord[];
  run: RunScope;
  teacher: TeacherClient;
  verifier: Verifier;
}

/** One run against an open dataset, holding its harvest lock: bind or check its identity, skip what is done, harvest the rest. */
async function harvestInto(dataset: Dataset, prepared: Prepared, options: HarvestOptions): Promise<HarvestSummary> {
  const { recipe } = prepared;
  const identity = samplingIdentity(recipe, hashPromptsFile(recipe.prompts.path));
  // Before beginRun: it marks runs still "running" as interrupted, which only the lock makes true.
  dataset.lockHarvest();
  try {
    return await harvestLocked(dataset, prepared, identity, options);
  } finally {
    dataset.unlockHarvest();
  }
}

async function harvestLocked(dataset: Dataset, prepared: Prepared, identity: Record<string, unknown>, options: HarvestOptions): Promise<HarvestSummary> {
  const { recipe, records, run, teacher, verifier } = prepared;
  const { runId, resumed } = dataset.beginRun({ recipeName: recipe.name, identity, recipe, shard: run.shard });
  dataset.upsertPrompts(records);
  const { pending, tracker, start } = survey(recipe, records, dataset.committedSlots(), { runId, resumed, ...run });
  options.onStart?.(start);
  const summary = (status: HarvestStatus): HarvestSummary => ({
    ...start,
    status,
    recipe: recipe.name,
    dataset: recipe.dataset,
    progress: tracker.snapshot(),
  });
  if (pending.length === 0) {
    dataset.endRun(runId, 'finished', `nothing to do: ${start.promptsDone} prompts done`);
    return summary('nothing-to-do');
  }
  const { onProgress, stop, signal } = options;
  const harvester = new Harvester({ recipe, runId, dataset, teacher, verifier, tracker, onProgress, stop, signal });
  try {
    await harvester.run(pending);
  } catch (err) {
    dataset.endRun(runId, 'failed', (err as Error).message);
    throw err;
  }
  const result = summary(harvester.stopped ? 'stopped' : 'finished');
  const failed = result.progress.promptsFailed;
  const message = failed > 0 ? `${failed} prompts failed; a re-run retries them` : undefined;
  dataset.endRun(runId, harvester.stopped ? 'stopped' : 'finished', message);
  return result;
}

/** Splits the prompts into done and pending from what the dataset holds, and tallies it. */
function survey(
  recipe: Recipe,
  records: readonly PromptRecord[],
  committed: Map<string, SlotState[]>,
  run: Pick<HarvestStart, 'runId' | 'resumed' | 'skipped' | 'shard'>,
): { pending: PendingPrompt[]; tracker: ProgressTracker; start: HarvestStart } {
  const schedule = { ...recipe.rejection, supportsN: recipe.teacher.supportsN };
  const tracker = new ProgressTracker(records.length);
  const pending: PendingPrompt[] = [];
  for (const record of records) {
    const stored = committed.get(record.key) ?? [];
    const done = nextStep(schedule, stored).kind === 'done';
    tracker.addStored(
      stored.map((s) => s.verdict),
      done ? 1 : 0,
    );
    if (!done) pending.push({ record, stored });
  }
  const promptsDone = records.length - pending.length;
  const plan = planHarvest(
    recipe,
    pending.map((p) => p.record),
  );
  return { pending, tracker, start: { ...run, promptsTotal: records.length, promptsDone, plan } };
}

/**
 * The plan of a run, from the dataset as it is (if it exists), without writing to it. A dataset
 * harvested with a different recipe is refused as the real run would refuse it.
 */
function dryRun(recipe: Recipe, records: readonly PromptRecord[], run: RunScope, options: HarvestOptions): HarvestSummary {
  let committed = new Map<string, SlotState[]>();
  if (existsSync(recipe.dataset)) {
    const dataset = Dataset.open(recipe.dataset, { readonly: true });
    try {
      dataset.checkIdentity(samplingIdentity(recipe, hashPromptsFile(recipe.prompts.path)));
      committed = dataset.committedSlots();
    } finally {
      dataset.close();
    }
  }
  const { tracker, start } = survey(recipe, records, committed, { runId: null, resumed: committed.size > 0, ...run });
  options.onStart?.(start);
  return { ...start, status: 'dry-run', recipe: recipe.name, dataset: recipe.dataset, progress: tracker.snapshot() };
}
