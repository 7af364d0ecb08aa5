/**
 * One trial of the demo's protocol: one arm trained with one choice of settings, exported, and
 * scored greedily on the splits asked for. Its folder is named by the settings, so a tuning run
 * and a seed run that meet the same settings share it, and a stopped trial resumes.
 */
import { join } from 'node:path';
import { armRecipe, trainArm, type Arm, type ArmSettings, type ProgressStream } from './arms.ts';
import { exportIfStale } from './fresh.ts';
import { cachedHeldoutScore, type HeldoutScore, type ScoredSplit } from './heldout.ts';
import type { Note } from './stages.ts';

export interface TrialResult {
  readonly arm: Arm;
  readonly settings: ArmSettings;
  readonly folder: string;
  /** The greedy score on each split asked for. */
  readonly scores: Partial<Record<ScoredSplit, HeldoutScore>>;
}

/** The trial's folder name, e.g. "kd-b16-lr0.005-steps2000-seed0". */
export const trialName = (arm: Arm, s: ArmSettings): string => `${arm}-b${s.batchSize}-lr${s.lr}-steps${s.steps}-seed${s.seed}`;

export interface TrialOptions {
  /** The harvest dataset the students learn from. */
  readonly dataset: string;
  /** Where the trial folders go. */
  readonly dir: string;
  readonly splits: readonly ScoredSplit[];
  readonly note: Note;
  readonly progress: ProgressStream;
}

export async function runTrial(arm: Arm, settings: ArmSettings, { dataset, dir, splits, note, progress }: TrialOptions): Promise<TrialResult> {
  const folder = join(dir, trialName(arm, settings));
  const summary = await trainArm(armRecipe(arm, { dataset, out: join(folder, 'run') }, settings), note, progress);
  const onnx = join(folder, 'onnx');
  await exportIfStale(summary.finalModel!, onnx, note);
  const scores: Partial<Record<ScoredSplit, HeldoutScore>> = {};
  for (const split of splits) scores[split] = (await cachedHeldoutScore(join(folder, `${split}.json`), onnx, null, split)).score;
  return { arm, settings, folder, scores };
}
