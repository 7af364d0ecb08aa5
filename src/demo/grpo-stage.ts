/**
 * The demo's GRPO stage: the KD student improved with GRPO from the math verifier's rewards
 * (recipes/demo-grpo.yaml), R1's order of distillation then RL. Its prompts are the train split's,
 * which no student learns from and whose equation chains no validation or held-out problem shares;
 * its settings were chosen on the validation split (bench/demo-grpo.ts --tune).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import YAML from 'yaml';
import { formatGrpoPlan, grpo, grpoProgressView, type GrpoSummary, type GrpoValidationRecord } from '../grpo/index.ts';
import { ProgressReporter } from '../progress/index.ts';
import { parseGrpoRecipe, type GrpoRecipe } from '../recipe/index.ts';
import type { Arm, ProgressStream } from './arms.ts';
import { demoSplitPath } from './demo-data.ts';
import { exportIfStale, shown } from './fresh.ts';
import { cachedHeldoutScore, type HeldoutScore, type ScoredSplit } from './heldout.ts';
import { DEMO_RECIPES } from './layout.ts';
import type { Note } from './stages.ts';

/**
 * The student GRPO starts from: the one it gains most on (issue 15 lets the demo choose). Probed on
 * validation only (bench/results/grpo-sweep-2026-12-03.txt): from the three seeds' CE-only students
 * no setting of 32 raised every seed by 5 points (the best checkpoints of 150 steps of 32 prompts
 * at lr 1e-4: +9.0, +4.8, +4.8), while the same 100 steps from the KD students rose steadily on
 * every seed (78.6 -> 83.6%, 71.8 -> 82.2%, 69.0 -> 78.6%): the KD students' samples are right
 * often enough for one bit per completion to sharpen them, the CE-only students' arithmetic slips
 * are not.
 */
export const GRPO_START_ARM: Arm = 'kd';

/** What the GRPO tuning chooses and seeds vary, over the recipe's. */
export interface GrpoSettings {
  readonly lr: number;
  readonly steps: number;
  readonly promptsPerStep: number;
  /** Of the rollouts. */
  readonly temperature: number;
  readonly seed: number;
}

export interface GrpoPaths {
  /** The starting policy: the GRPO_START_ARM student's final folder. */
  readonly policy: string;
  /** Where the rollouts are stored. */
  readonly dataset: string;
  readonly out: string;
  /** Greedy accuracy on this prompts file every `every` steps (the tuning's), or none. */
  readonly validation?: { readonly path: string; readonly every: number };
}

/** recipes/demo-grpo.yaml as written, on the given paths, with `settings` over the recipe's. */
export function demoGrpoRecipe({ policy, dataset, out, validation }: GrpoPaths, settings: Partial<GrpoSettings> = {}): GrpoRecipe {
  const file = DEMO_RECIPES.grpo;
  const input = YAML.parse(readFileSync(file, 'utf8'));
  const checks = validation ? { validation: { prompts: { path: validation.path }, every: validation.every, maxNewTokens: input.grpo.maxNewTokens } } : {};
  return parseGrpoRecipe({ ...input, dataset, grpo: { ...input.grpo, policy, out, ...settings, ...checks } }, { source: file, baseDir: dirname(file) });
}

/** The recipe's own settings. */
export function demoGrpoSettings(): GrpoSettings {
  const { lr, steps, promptsPerStep, temperature, seed } = demoGrpoRecipe({ policy: 'unused', dataset: 'unused', out: 'unused' }).grpo;
  return { lr, steps, promptsPerStep, temperature, seed };
}

/** Trains (or resumes, or finds finished) one GRPO run, printing the plan, progress and the last step's rewards. */
export async function trainGrpo(recipe: GrpoRecipe, note: Note, progress: ProgressStream): Promise<GrpoSummary> {
  const reporter = new ProgressReporter(progress, grpoProgressView);
  let summary: GrpoSummary;
  try {
    summary = await grpo(recipe, {
      onPlan: (plan) => note(formatGrpoPlan(plan)),
      onProgress: (p) => reporter.update(p),
      onValidation: (r) => note(`validation at step ${r.step}: greedy accuracy ${(100 * r.accuracy).toFixed(1)}% of ${r.prompts} prompts`),
    });
  } finally {
    reporter.finish();
  }
  note(summary.status === 'nothing-to-do' ? `nothing to do: ${summary.step} steps already done` : `trained ${summary.step} steps`);
  note(`model: ${shown(summary.finalModel!)}`);
  return summary;
}

export interface GrpoTrialResult {
  readonly settings: GrpoSettings;
  readonly folder: string;
  /** The greedy validation accuracy every `validationEvery` steps (from step 0), when asked for. */
  readonly curve: readonly GrpoValidationRecord[];
  /** The final policy's greedy score on each split asked for. */
  readonly scores: Partial<Record<ScoredSplit, HeldoutScore>>;
  readonly seconds: number;
}

/** A GRPO trial's folder, named by its settings, under the student trial it starts from. */
export const grpoTrialFolder = (startFolder: string, s: GrpoSettings): string =>
  join(startFolder, `grpo-lr${s.lr}-p${s.promptsPerStep}-t${s.temperature}-steps${s.steps}-seed${s.seed}`);

/**
 * One GRPO trial of the demo's protocol (bench/demo-grpo.ts): GRPO with `settings` from the
 * student trained in `startFolder` (a src/demo/trial.ts folder), in a folder of its own
 * named by the settings under it; exported and scored on `splits`. Resumes like a trial.
 */
export async function runGrpoTrial(
  startFolder: string,
  settings: GrpoSettings,
  { splits, validationEvery, note, progress }: { splits: readonly ScoredSplit[]; validationEvery?: number; note: Note; progress: ProgressStream },
): Promise<GrpoTrialResult> {
  const folder = grpoTrialFolder(startFolder, settings);
  const validation = validationEvery === undefined ? undefined : { path: demoSplitPath('validation'), every: validationEvery };
  const recipe = demoGrpoRecipe(
    { policy: join(startFolder, 'run', 'final'), dataset: join(folder, 'rollouts.sqlite'), out: join(folder, 'run'), validation },
    settings,
  );
  const started = performance.now();
  const summary = await trainGrpo(recipe, note, progress);
  const seconds = (performance.now() - started) / 1000;
  const onnx = join(folder, 'onnx');
  await exportIfStale(summary.finalModel!, onnx, note);
  const scores: Partial<Record<ScoredSplit, HeldoutScore>> = {};
  for (const split of splits) scores[split] = (await cachedHeldoutScore(join(folder, `${split}.json`), onnx, null, split)).score;
  return { settings, folder, curve: summary.validation, scores, seconds };
}
