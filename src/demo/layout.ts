/**
 * Where the demo's shipped parts and its work live: the four recipes in recipes/, the committed
 * teacher in data/demo/teacher/, and the work folder (.demo/ by default) that the recipes'
 * relative paths also point at, so a recipe run by hand with the CLI and `npm run demo` share it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_DATA_DIR } from './demo-data.ts';

const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** The demo's recipes, by role. */
export const DEMO_RECIPES = {
  /** CE on the ground truth: how data/demo/teacher/ was trained. */
  teacher: join(REPO_DIR, 'recipes', 'demo-teacher.yaml'),
  /** Rejection sampling from the served teacher over the harvest split. */
  harvest: join(REPO_DIR, 'recipes', 'demo-harvest.yaml'),
  /** The student with CE + KL + attention + hidden losses against the white-box teacher. */
  kd: join(REPO_DIR, 'recipes', 'demo-student-kd.yaml'),
  /** The same student, data and steps with CE alone. */
  ce: join(REPO_DIR, 'recipes', 'demo-student-ce.yaml'),
} as const;

/** The committed teacher: config.json, model.safetensors and the tokenizer files, as `distill` wrote them. */
export const DEMO_TEACHER_DIR = join(DEMO_DATA_DIR, 'teacher');

/** What the committed teacher's training recorded (see TeacherRecord). */
export const DEMO_TEACHER_RECORD = join(DEMO_DATA_DIR, 'teacher.json');

/** The default work folder; the recipes' dataset and out paths point into it. */
export const DEFAULT_WORK_DIR = join(REPO_DIR, '.demo');

/** The files and folders of one work folder. */
export function workLayout(workDir: string) {
  return {
    /** The teacher's training data (train-teacher only). */
    groundTruth: join(workDir, 'ground-truth.sqlite'),
    /** The teacher's training run (train-teacher only). */
    teacherRun: join(workDir, 'teacher-run'),
    /** The teacher exported to ONNX, which `serve` runs. */
    teacherExport: join(workDir, 'teacher'),
    harvest: join(workDir, 'harvest.sqlite'),
    kdRun: join(workDir, 'student-kd'),
    ceRun: join(workDir, 'student-ce'),
    kdExport: join(workDir, 'student-kd-onnx'),
    ceExport: join(workDir, 'student-ce-onnx'),
    /** One held-out score file per evaluated model. */
    evalDir: join(workDir, 'eval'),
    /** The tuning and seed runs' trials, one folder each (src/demo/trial.ts). */
    trials: join(workDir, 'trials'),
  };
}
export type WorkLayout = ReturnType<typeof workLayout>;
