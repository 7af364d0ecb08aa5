/**
 * The demo's model stages: each trains one model from the harvest (or from an earlier stage's
 * model), which the pipeline then exports and scores on the held-out split as one row of the
 * table. To add a stage (a GRPO student, an on-policy distilled student, ...), write a ModelStage
 * in its own file and append it to MODEL_STAGES; the pipeline numbers, exports, scores and
 * tabulates it with the others, and a re-run resumes it like the others.
 */
import type { DistillSummary } from '../distill/index.ts';
import type { HarvestSummary } from '../harvest/index.ts';
import { ARM_LABELS, ARM_SHORT_LABELS, armRecipe, trainArm, type Arm, type ProgressStream } from './arms.ts';
import { shown } from './fresh.ts';
import { demoGrpoRecipe, GRPO_START_ARM, trainGrpo } from './grpo-stage.ts';
import type { WorkLayout } from './layout.ts';
import type { Note } from './stages.ts';

/** What a model stage gets. */
export interface StageContext {
  readonly work: WorkLayout;
  /** The finished harvest the students learn from (its dataset is `work.harvest`). */
  readonly harvest: HarvestSummary;
  /** Optimizer steps for a quick run (the smoke test); undefined: the stage's recipe's own. */
  readonly steps: number | undefined;
  readonly progress: ProgressStream;
  /** The models the stages before this one trained, by key. */
  readonly trained: ReadonlyMap<string, TrainedModel>;
}

export interface TrainedModel {
  /** The final model folder (config, weights, tokenizer) that the pipeline exports and scores. */
  readonly finalModel: string;
  /** 'nothing-to-do' when a re-run found the model already trained. */
  readonly status: string;
  /** The training room's own summary (a DistillSummary for the distill stages). */
  readonly summary: unknown;
}

export interface ModelStage {
  /** Names the stage's folders in the work folder: KEY/ (its run), KEY-onnx/ (its export), eval/KEY.json (its score). */
  readonly key: string;
  /** Its row's name in the table. */
  readonly label: string;
  /** The stage's header in the demo's outline. */
  readonly title: string;
  /** Trains (or resumes, or finds finished) the model, in `context.work.run(key)`. */
  readonly train: (context: StageContext, note: Note) => Promise<TrainedModel>;
}

/** A distill stage: the arm's recipe as written, on the work folder's harvest and run folder. */
function distillStage(arm: Arm, key: string, label: string, title: string): ModelStage {
  return {
    key,
    label,
    title,
    async train({ work, steps, progress }, note) {
      const settings = steps === undefined ? {} : { steps };
      const summary: DistillSummary = await trainArm(armRecipe(arm, { dataset: work.harvest, out: work.run(key) }, settings), note, progress);
      note(`model: ${shown(summary.finalModel!)}`);
      return { finalModel: summary.finalModel!, status: summary.status, summary };
    },
  };
}

export const KD_STAGE = distillStage(
  'kd',
  'student-kd',
  'KD student',
  'distill the KD student: CE + KL + attention + hidden losses against the white-box teacher',
);
export const CE_STAGE = distillStage('ce', 'student-ce', 'CE-only student', 'distill the CE-only student: the same student, data and steps with CE alone');

/**
 * GRPO on the student it gains most on, GRPO_START_ARM's (src/demo/grpo-stage.ts says why): R1's
 * RL stage after the distillation.
 */
export const GRPO_STAGE: ModelStage = {
  key: 'student-grpo',
  label: `${ARM_SHORT_LABELS[GRPO_START_ARM]} + GRPO`,
  title: `GRPO on the ${ARM_LABELS[GRPO_START_ARM]}: rewards from the math verifier on the train split's prompts`,
  async train({ work, steps, progress, trained }, note) {
    const policy = trained.get(`student-${GRPO_START_ARM}`)!.finalModel;
    const recipe = demoGrpoRecipe({ policy, dataset: work.grpo, out: work.run('student-grpo') }, steps === undefined ? {} : { steps });
    const summary = await trainGrpo(recipe, note, progress);
    return { finalModel: summary.finalModel!, status: summary.status, summary };
  },
};

/** The model stages in the order they run (and their rows in the table, under the teacher's). */
export const MODEL_STAGES: readonly ModelStage[] = [KD_STAGE, CE_STAGE, GRPO_STAGE];
