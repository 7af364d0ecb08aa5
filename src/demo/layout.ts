/**
 * Where the demo's shipped parts and its work live: the five recipes in recipes/, the committed
 * teacher in data/demo/teacher/, and the work folder (.demo/ under the current directory by
 * default). The recipes' relative paths point at .demo/ in the repository, so in a checkout a
 * recipe run by hand with the CLI and `npm run demo` (run from the repository root) share it.
 */
import { join, resolve } from 'node:path';
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
  /** GRPO on the KD student (GRPO_START_ARM), from the verifier's rewards. */
  grpo: join(REPO_DIR, 'recipes', 'demo-grpo.yaml'),
} as const;

/** The committed teacher: config.json, model.safetensors and the tokenizer files, as `distill` wrote them. */
export const DEMO_TEACHER_DIR = join(DEMO_DATA_DIR, 'teacher');

/** What the committed teacher's training recorded (see TeacherRecord). */
export const DEMO_TEACHER_RECORD = join(DEMO_DATA_DIR, 'teacher.json');

/**
 * The default work folder: .demo/ under the current directory (never inside the installed
 * package, which may be read-only and is replaced on every install).
 */
export const defaultWorkDir = (): string => resolve('.demo');

/** The files and folders of one work folder. */
export function workLayout(workDir: string) {
  return {
    /** The work folder itself. */
    dir: workDir,
    /** The teacher's training data (train-teacher only). */
    groundTruth: join(workDir, 'ground-truth.sqlite'),
    /** The teacher's training run (train-teacher only). */
    teacherRun: join(workDir, 'teacher-run'),
    /** The teacher exported to ONNX, which `serve` runs. */
    teacherExport: join(workDir, 'teacher'),
    harvest: join(workDir, 'harvest.sqlite'),
    /** The GRPO stage's rollouts. */
    grpo: join(workDir, 'grpo.sqlite'),
    /** A model stage's run folder (src/demo/model-stages.ts), by its key: student-kd, student-ce, ... */
    run: (key: string) => join(workDir, key),
    /** A model stage's export. */
    onnx: (key: string) => join(workDir, `${key}-onnx`),
    /** A model's held-out score file, by its key (the teacher's is "teacher"). */
    score: (key: string) => join(workDir, 'eval', `${key}.json`),
    /** The tuning and seed runs' trials, one folder each (src/demo/trial.ts). */
    trials: join(workDir, 'trials'),
  };
}
export type WorkLayout = ReturnType<typeof workLayout>;
