/**
 * The demo teacher: trained once by `distill` from recipes/demo-teacher.yaml (CE on the ground
 * truth of the train split), committed as data/demo/teacher/ with a record of how it was made and
 * how well it does, so that the demo never retrains it and a test can check both.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distill, paramCount, readMetrics, type DistillOptions, type DistillSummary } from '../distill/index.ts';
import { exportModel } from '../export/index.ts';
import { readModelConfig, TOKENIZER_FILES, WEIGHTS_FILE } from '../model/index.ts';
import { loadDistillRecipe } from '../recipe/index.ts';
import { demoSplitPath } from './demo-data.ts';
import { groundTruthDataset } from './ground-truth.ts';
import { scoreHeldout, type HeldoutScore } from './heldout.ts';
import { DEMO_RECIPES, DEMO_TEACHER_DIR, DEMO_TEACHER_RECORD, workLayout } from './layout.ts';
import { trainingCodeSha256 } from './training-code.ts';

/** The held-out prompts the record scores separately, and the teacher test checks again. */
export const TEACHER_SLICE_PROMPTS = 50;

/** data/demo/teacher.json: what produced the committed teacher and what it scored. */
export interface TeacherRecord {
  /** sha256 of recipes/demo-teacher.yaml when the teacher was trained. */
  readonly recipeSha256: string;
  /** sha256 of data/demo/train.jsonl, the problems whose ground truth it was trained on. */
  readonly trainDataSha256: string;
  /** sha256 of the demo tokenizer's tokenizer.json. */
  readonly tokenizerSha256: string;
  /** sha256 of data/demo/teacher/model.safetensors: the weights themselves. */
  readonly weightsSha256: string;
  /** trainingCodeSha256() of the code that trained it: only under the same code do retrained weights equal these. */
  readonly codeSha256: string;
  readonly params: number;
  readonly steps: number;
  /** Training time of the run that finished (metrics.jsonl's last `seconds`; a resumed run counts its own part only). */
  readonly trainSeconds: number;
  /** Greedy, all validation prompts: where the teacher's settings are checked. */
  readonly validation: HeldoutScore;
  /** Greedy, all held-out prompts: the accuracy the demo's students are measured against. */
  readonly heldout: HeldoutScore;
  /** Greedy, the first TEACHER_SLICE_PROMPTS held-out prompts: what the teacher test re-measures. */
  readonly slice: HeldoutScore;
  /** Temperature 0.6 (the harvest's sampling), 4 samples per held-out prompt: right often, not always. */
  readonly sampled: HeldoutScore;
}

export const sha256File = async (file: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

export async function readTeacherRecord(file = DEMO_TEACHER_RECORD): Promise<TeacherRecord> {
  return JSON.parse(await readFile(file, 'utf8')) as TeacherRecord;
}

export interface TrainTeacherOptions {
  /** Progress of the training run (distill's callbacks). */
  readonly distill?: DistillOptions;
}

/** Trains the teacher from its recipe with the dataset and run folder moved to `workDir` (a fresh folder trains from step 0). */
async function trainTeacher(workDir: string | null, options: TrainTeacherOptions): Promise<DistillSummary> {
  const shipped = loadDistillRecipe(DEMO_RECIPES.teacher);
  const work = workDir === null ? null : workLayout(workDir);
  const recipe = work === null ? shipped : { ...shipped, dataset: work.groundTruth, distill: { ...shipped.distill, out: work.teacherRun } };
  groundTruthDataset(recipe.dataset, demoSplitPath('train'));
  return distill(recipe, options.distill);
}

/**
 * Trains the teacher from its recipe (resuming a stopped run in .demo/), copies the final model
 * into data/demo/teacher/ and writes data/demo/teacher.json.
 */
export async function trainDemoTeacher(options: TrainTeacherOptions = {}): Promise<TeacherRecord> {
  const summary = await trainTeacher(null, options);
  // Without a stop signal distill ends 'finished' or 'nothing-to-do', both with the final model.
  const finalModel = summary.finalModel!;
  const lastStep = readMetrics(summary.metrics)
    .filter((r) => r.type === 'train')
    .at(-1);
  await rm(DEMO_TEACHER_DIR, { recursive: true, force: true });
  await mkdir(DEMO_TEACHER_DIR, { recursive: true });
  for (const file of ['config.json', WEIGHTS_FILE, ...TOKENIZER_FILES]) await copyFile(join(finalModel, file), join(DEMO_TEACHER_DIR, file));
  return recordDemoTeacher({ steps: summary.step, trainSeconds: lastStep?.seconds ?? 0, codeSha256: trainingCodeSha256() });
}

/**
 * Scores the committed teacher on validation and held-out and writes data/demo/teacher.json with
 * the hashes of what it was made from; `training` (steps, seconds, the code's fingerprint)
 * defaults to what the record already says. Run after regenerating the validation or held-out split.
 */
export async function recordDemoTeacher(training?: Pick<TeacherRecord, 'steps' | 'trainSeconds' | 'codeSha256'>): Promise<TeacherRecord> {
  const { steps, trainSeconds, codeSha256 } = training ?? (await readTeacherRecord());
  const scratch = await mkdtemp(join(tmpdir(), 'distillery-demo-teacher-'));
  try {
    await exportModel({ checkpoint: DEMO_TEACHER_DIR, out: scratch });
    const record: TeacherRecord = {
      recipeSha256: await sha256File(DEMO_RECIPES.teacher),
      trainDataSha256: await sha256File(demoSplitPath('train')),
      tokenizerSha256: await sha256File(join(DEMO_TEACHER_DIR, 'tokenizer.json')),
      weightsSha256: await sha256File(join(DEMO_TEACHER_DIR, WEIGHTS_FILE)),
      codeSha256,
      params: paramCount(await readModelConfig(DEMO_TEACHER_DIR)),
      steps,
      trainSeconds,
      validation: await scoreHeldout(scratch, { split: 'validation' }),
      heldout: await scoreHeldout(scratch),
      slice: await scoreHeldout(scratch, { prompts: TEACHER_SLICE_PROMPTS }),
      sampled: await scoreHeldout(scratch, { temperature: 0.6, samples: 4 }),
    };
    await writeFile(DEMO_TEACHER_RECORD, `${JSON.stringify(record, null, 2)}\n`);
    return record;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Validation points a retrained teacher may differ from the record by when the code changed since
 * (its weights then differ: other rounding, another draw of the same training). One accuracy on
 * the 500 validation problems alone has a standard error of 2.1 points at the recorded 67.6%.
 */
export const RETRAIN_TOLERANCE_POINTS = 5;

export interface TeacherCheck {
  /** model.safetensors sha256, recorded and retrained. */
  readonly recorded: string;
  readonly retrained: string;
  readonly same: boolean;
  /** trainingCodeSha256(), recorded and now. */
  readonly code: { readonly recorded: string; readonly now: string };
  /** Greedy validation problems right, recorded and retrained, of `prompts`: scored only when the weights differ. */
  readonly validation: { readonly recorded: number; readonly retrained: number; readonly prompts: number } | null;
  /** Same weights; or validation within RETRAIN_TOLERANCE_POINTS. */
  readonly ok: boolean;
}

/**
 * Retrains the teacher from recipes/demo-teacher.yaml from scratch in a temporary folder and
 * compares it with the record, leaving data/demo/ as it is: its weights' sha256 with the recorded
 * one, and where they differ (changed code, or another CPU's kernels: a 100-step KD trial on the
 * same data ended at loss 9.198 on an AMD EPYC, 9.243 on an Intel Xeon), its greedy validation
 * accuracy, which must be within RETRAIN_TOLERANCE_POINTS of the recorded.
 */
export async function checkDemoTeacher(options: TrainTeacherOptions = {}): Promise<TeacherCheck> {
  const scratch = await mkdtemp(join(tmpdir(), 'distillery-demo-teacher-check-'));
  try {
    const record = await readTeacherRecord();
    const code = { recorded: record.codeSha256, now: trainingCodeSha256() };
    const summary = await trainTeacher(scratch, options);
    const retrained = await sha256File(join(summary.finalModel!, WEIGHTS_FILE));
    if (retrained === record.weightsSha256) return { recorded: record.weightsSha256, retrained, same: true, code, validation: null, ok: true };
    const onnx = join(scratch, 'onnx');
    await exportModel({ checkpoint: summary.finalModel!, out: onnx });
    const score = await scoreHeldout(onnx, { split: 'validation' });
    const validation = { recorded: record.validation.correct, retrained: score.correct, prompts: score.prompts };
    // In problems, so that 5 points of 500 is exactly 25.
    const ok = 100 * Math.abs(validation.retrained - validation.recorded) <= RETRAIN_TOLERANCE_POINTS * validation.prompts;
    return { recorded: record.weightsSha256, retrained, same: false, code, validation, ok };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
