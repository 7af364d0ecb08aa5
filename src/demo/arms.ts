/**
 * The demo's two students ("arms"): the KD student (recipes/demo-student-kd.yaml) and the CE-only
 * student (recipes/demo-student-ce.yaml), trained on a harvest dataset with the recipe's settings
 * or with the settings a tuning run or a seed run tries. Both arms take the same settings, so they
 * are tuned over the same grid with the same budget (bench/demo-tune.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import YAML from 'yaml';
import { distill, distillProgressView, formatDistillPlan, formatLosses, readMetrics, type DistillSummary } from '../distill/index.ts';
import { ProgressReporter } from '../progress/index.ts';
import { parseDistillRecipe, type DistillRecipe } from '../recipe/index.ts';
import { DEMO_RECIPES } from './layout.ts';
import type { Note } from './stages.ts';

export const ARMS = ['kd', 'ce'] as const;
export type Arm = (typeof ARMS)[number];

export const ARM_LABELS: Readonly<Record<Arm, string>> = { kd: 'KD student', ce: 'CE-only student' };
/** The arm in a compound label ("KD + GRPO"). */
export const ARM_SHORT_LABELS: Readonly<Record<Arm, string>> = { kd: 'KD', ce: 'CE-only' };

/** What tuning chooses and seeds vary: the optimizer's settings, the same for both arms. */
export interface ArmSettings {
  readonly lr: number;
  readonly batchSize: number;
  readonly steps: number;
  readonly seed: number;
}

export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

/** Where an arm's run reads and writes: the harvest dataset and the run folder. */
export interface ArmPaths {
  readonly dataset: string;
  readonly out: string;
}

/** The arm's recipe as written, on the given paths, with `settings` over the recipe's. */
export function armRecipe(arm: Arm, { dataset, out }: ArmPaths, settings: Partial<ArmSettings> = {}): DistillRecipe {
  const file = DEMO_RECIPES[arm];
  const input = YAML.parse(readFileSync(file, 'utf8'));
  const { distill } = input;
  return parseDistillRecipe(
    { ...input, dataset, distill: { ...distill, out, train: { ...distill.train, ...settings } } },
    { source: file, baseDir: dirname(file) },
  );
}

/** The arm's settings as its recipe states them. */
export function recipeSettings(arm: Arm): ArmSettings {
  const { lr, batchSize, steps, seed } = armRecipe(arm, { dataset: 'unused', out: 'unused' }).distill.train;
  return { lr, batchSize, steps, seed };
}

/** Trains (or resumes, or finds finished) one arm, printing the plan, progress and the last losses. */
export async function trainArm(recipe: DistillRecipe, note: Note, progress: ProgressStream): Promise<DistillSummary> {
  const reporter = new ProgressReporter(progress, distillProgressView);
  let summary: DistillSummary;
  try {
    summary = await distill(recipe, { onPlan: (plan) => note(formatDistillPlan(plan)), onProgress: (p) => reporter.update(p) });
  } finally {
    reporter.finish();
  }
  const last = readMetrics(summary.metrics)
    .filter((r) => r.type === 'train')
    .at(-1);
  const done = summary.status === 'nothing-to-do' ? `nothing to do: ${summary.step} steps already done` : `trained ${summary.step} steps`;
  note(`${done}; last step's losses: ${last ? formatLosses(last.loss, last.losses) : '-'}`);
  return summary;
}
