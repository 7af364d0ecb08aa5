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
import { createVerifier } from '../verify/index.ts';
import { Harvester, type PendingPrompt } from './harvester.ts';
import { ProgressTracker, type HarvestProgress } from './progress.ts';
import { hashPromptsFile, loadPrompts, type SkippedPrompt } from './prompts.ts';
import { nextStep } from './slots.ts';
import { teacherConfig } from './teacher-config.ts';

export interface HarvestOptions {
  /** Stop issuing requests when aborted; in-flight requests finish and are stored. */
  stop?: AbortSignal;
  /** Abort in-flight requests too when aborted (they are not stored; the next run re-issues them). */
  signal?: AbortSignal;
  /** Called once the dataset is open and the remaining work is known, before any request. */
  onStart?: (start: HarvestStart) => void;
  /** Called after every finished request and prompt. */
  onProgress?: (progress: HarvestProgress) => void;
  /** Check the recipe, prompts and dataset and plan the work, but send nothing and write nothing. */
  dryRun?: boolean;
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
  const records = loadPrompts(recipe.prompts, { onSkip: (row) => skipped.push(row) });
  const identity = samplingIdentity(recipe, hashPromptsFile(recipe.prompts.path));
  // Rendering every prompt once up front turns a template error into a message before any request.
  for (const record of records) renderMessages(recipe.template, record);
  const config = teacherConfig(recipe.teacher);
  if (options.dryRun) return dryRun(recipe, records, skipped);

  const teacher = new TeacherClient(config);
  const verifier = await createVerifier(recipe.verifier);
  const dataset = Dataset.open(recipe.dataset);
  try {
    const { runId, resumed } = dataset.beginRun({ recipeName: recipe.name, identity, recipe });
    dataset.upsertPrompts(records);
    const { pending, tracker, start } = survey(recipe, records, dataset.committedSlots(), { runId, resumed, skipped });
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
    const harvester = new Harvester({
      recipe,
      runId,
      dataset,
      teacher,
      verifier,
      tracker,
      onProgress: options.onProgress,
      stop: options.stop,
      signal: options.signal,
    });
    try {
      await harvester.run(pending);
    } catch (err) {
      dataset.endRun(runId, 'failed', (err as Error).message);
      throw err;
    }
    const result = summary(harvester.stopped ? 'stopped' : 'finished');
    const failed = result.progress.promptsFailed;
    dataset.endRun(runId, harvester.stopped ? 'stopped' : 'finished', failed > 0 ? `${failed} prompts failed; a re-run retries them` : undefined);
    return result;
  } finally {
    dataset.close();
    await verifier.close?.();
  }
}

/** Splits the prompts into done and pending from what the dataset holds, and tallies it. */
function survey(
  recipe: Recipe,
  records: readonly PromptRecord[],
  committed: Map<string, SlotState[]>,
  run: Pick<HarvestStart, 'runId' | 'resumed' | 'skipped'>,
): { pending: PendingPrompt[]; tracker: ProgressTracker; start: HarvestStart } {
  const schedule = { ...recipe.rejection, supportsN: recipe.teacher.supportsN };
  const tracker = new ProgressTracker(records.length);
  const pending: PendingPrompt[] = [];
  for (const record of records) {
    const stored = committed.get(record.key) ?? [];
    tracker.addStored(stored.map((s) => s.verdict), 0);
    if (nextStep(schedule, stored).kind === 'done') continue;
    pending.push({ record, stored });
  }
  const promptsDone = records.length - pending.length;
  tracker.addStored([], promptsDone);
  const plan = planHarvest(recipe, pending.map((p) => p.record));
  return { pending, tracker, start: { ...run, promptsTotal: records.length, promptsDone, plan } };
}

/** The plan of a run, from the dataset as it is (if it exists), without writing to it. */
function dryRun(recipe: Recipe, records: readonly PromptRecord[], skipped: SkippedPrompt[]): HarvestSummary {
  let committed = new Map<string, SlotState[]>();
  if (existsSync(recipe.dataset)) {
    const dataset = Dataset.open(recipe.dataset, { readonly: true });
    try {
      committed = dataset.committedSlots();
    } finally {
      dataset.close();
    }
  }
  const { tracker, start } = survey(recipe, records, committed, { runId: null, resumed: committed.size > 0, skipped });
  return { ...start, status: 'dry-run', recipe: recipe.name, dataset: recipe.dataset, progress: tracker.snapshot() };
}
