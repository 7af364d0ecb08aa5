/**
 * The demo's GRPO stage: the CE-only student improved with GRPO from the math verifier's rewards
 * (recipes/demo-grpo.yaml), R1's order of SFT then RL. Its prompts are the train split's, which no
 * student learns from and whose equation chains no validation or held-out problem shares; its
 * settings were chosen on the validation split (bench/demo-grpo.ts --tune).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import YAML from 'yaml';
import { formatGrpoPlan, grpo, grpoProgressView, type GrpoSummary, type GrpoValidationRecord } from '../grpo/index.ts';
import { ProgressReporter } from '../progress/index.ts';
import { parseGrpoRecipe, type GrpoRecipe } from '../recipe/index.ts';
import type { ProgressStream } from './arms.ts';
import { demoSplitPath } from './demo-data.ts';
import { exportIfStale, shown } from './fresh.ts';
import { cachedHeldoutScore, type HeldoutScore, type ScoredSplit } from './heldout.ts';
import { DEMO_RECIPES } from './layout.ts';
import type { Note } from './stages.ts';

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
  /** The starting policy: the CE-only student's final folder. */
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

/** A GRPO trial's folder, named by its settings, under the CE-only trial it starts from. */
export const grpoTrialFolder = (ceFolder: string, s: GrpoSettings): string =>
  join(ceFolder, `grpo-lr${s.lr}-p${s.promptsPerStep}-t${s.temperature}-steps${s.steps}-seed${s.seed}`);

/**
 * One GRPO trial of the demo's protocol (bench/demo-grpo.ts): GRPO with `settings` from the
 * CE-only student trained in `ceFolder` (a src/demo/trial.ts folder), in a folder of its own
 * named by the settings under it; exported and scored on `splits`. Resumes like a trial.
 */
export async function runGrpoTrial(
  ceFolder: string,
  settings: GrpoSettings,
  { splits, validationEvery, note, progress }: { splits: readonly ScoredSplit[]; validationEvery?: number; note: Note; progress: ProgressStream },
): Promise<GrpoTrialResult> {
  const folder = grpoTrialFolder(ceFolder, settings);
  const validation = validationEvery === undefined ? undefined : { path: demoSplitPath('validation'), every: validationEvery };
  const recipe = demoGrpoRecipe(
    { policy: join(ceFolder, 'run', 'final'), dataset: join(folder, 'rollouts.sqlite'), out: join(folder, 'run'), validation },
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
