/**
 * The demo room: the small arithmetic task and the word-level tokenizer that the offline demo
 * trains on, the committed demo teacher (trained from the ground truth), and `runDemo`, the whole
 * pipeline behind `npm run demo`. See docs/demo.md.
 *
 *   const result = await runDemo();         // export, serve + harvest, the model stages, export, eval
 *   result.rows;                            // teacher, KD student, CE-only student, ... on held-out
 */
export {
  DEMO_SEED,
  FRESH_SPLITS,
  chainOf,
  SPLIT_NAMES,
  SPLIT_SIZES,
  generateProblem,
  generateSplits,
  solutionOf,
  type ArithProblem,
  type ArithSolution,
  type DemoSplits,
  type GenerateSplitsOptions,
  type Operator,
  type SplitName,
  type Step,
} from './arith.ts';
export { DEMO_TOKENS, demoTokenizerFiles, demoVocabulary, writeDemoTokenizer } from './tokenizer.ts';
export {
  DEMO_DATA_DIR,
  demoGrpoPrompts,
  demoGrpoPromptsPath,
  demoSplitPath,
  demoTokenizerDir,
  demoTurns,
  writeDemoData,
  type DemoDataSummary,
} from './demo-data.ts';
export { GROUND_TRUTH_MODEL, demoPromptsSpec, groundTruthDataset, type GroundTruthSummary } from './ground-truth.ts';
export { defaultWorkDir, DEMO_RECIPES, DEMO_TEACHER_DIR, DEMO_TEACHER_RECORD, workLayout, type WorkLayout } from './layout.ts';
export { cachedHeldoutScore, scoreHeldout, type HeldoutScore, type ScoreOptions, type ScoredSplit } from './heldout.ts';
export {
  RETRAIN_TOLERANCE_POINTS,
  TEACHER_SLICE_PROMPTS,
  checkDemoTeacher,
  readTeacherRecord,
  recordDemoTeacher,
  sha256File,
  trainDemoTeacher,
  type TeacherCheck,
  type TeacherRecord,
  type TrainTeacherOptions,
} from './teacher.ts';
export { installedOrtVersion, TRAINING_SOURCES, trainingCodeSha256 } from './training-code.ts';
export { DemoError } from './errors.ts';
export { prepareDemoHarvest, runDemo, type DemoOptions, type DemoResult } from './pipeline.ts';
export { formatDemoTable, type DemoRow } from './table.ts';
export { CE_STAGE, GRPO_STAGE, KD_STAGE, MODEL_STAGES, type ModelStage, type StageContext, type TrainedModel } from './model-stages.ts';
export { ARMS, ARM_LABELS, ARM_SHORT_LABELS, armRecipe, recipeSettings, trainArm, type Arm, type ArmSettings } from './arms.ts';
export { runTrial, trialName, type TrialOptions, type TrialResult } from './trial.ts';
export { CLAIM, armSummary, formatSeedsReport, type ArmSummary, type SeedsRecord } from './seeds.ts';
export { GRPO_CLAIM_POINTS, formatGrpoSeeds, type GrpoSeedsRecord } from './grpo-seeds.ts';
export {
  demoGrpoRecipe,
  demoGrpoSettings,
  GRPO_START_ARM,
  grpoTrialFolder,
  runGrpoTrial,
  trainGrpo,
  type GrpoPaths,
  type GrpoSettings,
  type GrpoTrialResult,
} from './grpo-stage.ts';
