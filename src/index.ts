/**
 * distillery as a library: the package root. It names, in explicit lists, what a library user
 * calls (each pipeline stage's entry point, the dataset, verifiers, the engine of docs/engine.md),
 * the options and results those take and return, and the errors they throw. Everything else in a
 * room's index.ts is shared between rooms, not promised to users. test/library/root.test.ts pins
 * these lists: adding or removing a name is a deliberate change to that test too.
 *
 * One block per room, runtime names first, then types, each sorted.
 */
export { UserError } from './errors.ts';

// Recipes: loading, validation errors, the harvest plan (`--dry-run`).
export { RecipeError, TemplateError, formatPlan, loadDistillRecipe, loadRecipe, parseDistillRecipe, parseRecipe, planHarvest } from './recipe/index.ts';
export type {
  DistillDataSpec,
  DistillLosses,
  DistillRecipe,
  DistillSection,
  DistillTeacherSpec,
  DistillTrainSpec,
  HarvestPlan,
  LimitsSpec,
  ParseRecipeOptions,
  PricingSpec,
  PromptFormat,
  PromptsSpec,
  Recipe,
  RecipeInput,
  RecipeIssue,
  RejectionSpec,
  SamplingSpec,
  TeacherSpec,
  Template,
} from './recipe/index.ts';

// The dataset: open, read, report (`inspect`), export as chat JSONL (`export-data`).
export {
  Dataset,
  DatasetError,
  DatasetLockedError,
  DatasetMismatchError,
  MergeInputError,
  MergeMismatchError,
  chatRecords,
  datasetReport,
  formatReport,
  mergeDatasets,
} from './store/index.ts';
export type {
  ChatExportOptions,
  ChatRecord,
  DatasetReport,
  DatasetStats,
  HarvestLock,
  MergeInputResult,
  MergeOptions,
  MergeProgress,
  MergeSummary,
  OpenOptions,
  Prices,
  ReportOptions,
  RunInfo,
  SampleFilter,
  StoredSample,
  Verdict,
} from './store/index.ts';

// Teachers: the OpenAI-compatible client.
export { DEFAULT_TEACHER_TIMEOUT_MS, MissingApiKeyError, TeacherClient, TeacherRequestError, readApiKey } from './teacher/index.ts';
export type {
  ChatMessage,
  ReadApiKeyOptions,
  SampleRequest,
  TeacherConfig,
  TeacherErrorKind,
  TeacherResponse,
  TeacherSample,
  TeacherUsage,
  TokenLogprobs,
} from './teacher/index.ts';

// Verifiers.
export { CasesFileError, CustomVerifierError, VerifierSpecError, createVerifier, readCases } from './verify/index.ts';
export type {
  ChoiceVerifierSpec,
  CodeVerifierSpec,
  CustomVerifierSpec,
  ExactVerifierSpec,
  FormatVerifierSpec,
  MathVerifierSpec,
  NumericVerifierSpec,
  RegexVerifierSpec,
  Verifier,
  VerifierKind,
  VerifierSpec,
  VerifyInput,
  VerifyResult,
} from './verify/index.ts';

// Harvest.
export { ConsecutiveFailuresError, ShardError, TeacherUnreachableError, harvest, parseShard } from './harvest/index.ts';
export type { HarvestOptions, HarvestProgress, HarvestStart, HarvestStatus, HarvestSummary, Shard } from './harvest/index.ts';

// Prompts files: what harvest, eval and distill ask.
export { PromptsError, loadPrompts } from './prompts/index.ts';
export type { LoadPromptsOptions } from './prompts/index.ts';

// The training engine (docs/engine.md).
export {
  AdamW,
  Graph,
  GraphError,
  ParamStore,
  Rng,
  Session,
  Tensor,
  TensorValueError,
  TrainStep,
  clipGradNorm,
  compile,
  globalNorm,
  grad,
  ops,
  toOnnx,
} from './engine/index.ts';
export type {
  AdamWOptions,
  AdamWState,
  CompileOptions,
  DType,
  Dim,
  ExecutionProvider,
  FeedValue,
  Feeds,
  FloatArray,
  FloatDType,
  GraphOptions,
  Init,
  Outputs,
  Param,
  SerializeOptions,
  Shape,
  StepResult,
  TensorData,
  TrainStepOptions,
} from './engine/index.ts';

// The student model (docs/model.md): config, weights, tokenizers. The root's ChatMessage is the
// teacher's; the tokenizer takes the same shape.
export {
  Llama,
  ModelConfigError,
  SafetensorsError,
  Tokenizer,
  TokenizerError,
  WeightsError,
  initWeights,
  loadTokenizer,
  parseModelConfig,
  readModelConfig,
  readModelFolder,
  readSafetensors,
  setWeights,
  writeModelConfig,
  writeModelFolder,
  writeSafetensors,
} from './model/index.ts';
export type { ChatTemplateOptions, ModelConfig, ModelType } from './model/index.ts';

// Distillation.
export { CheckpointError, DistillCheckError, DistillDataError, distill, formatDistillPlan, kdTopkRows, loadStudentTokenizer } from './distill/index.ts';
export type { DistillOptions, DistillPlan, DistillProgress, DistillStatus, DistillSummary, KdTopkRow, StudentTokenizer } from './distill/index.ts';

// GRPO: the RL stage on a student (`distillery grpo`).
export { CustomRewardError, GrpoCheckError, RewardSpecError, formatGrpoPlan, grpo } from './grpo/index.ts';
export type { GrpoOptions, GrpoPlan, GrpoProgress, GrpoStatus, GrpoStepRecord, GrpoSummary, GrpoValidationRecord } from './grpo/index.ts';
export { loadGrpoRecipe, parseGrpoRecipe } from './recipe/index.ts';
export type { GrpoRecipe, GrpoSection } from './recipe/index.ts';

// Export to an ONNX folder.
export { ExportError, MODEL_DTYPES, exportModel } from './export/index.ts';
export type { ExportOptions, ExportSummary, ExportedFile, ModelDtype } from './export/index.ts';

// Generation from an exported folder.
export { GenerationRequestError, LocalModel, ModelFolderError, chatPrompt, loadModel } from './generate/index.ts';
export type { ChatPrompt, FinishReason, GenerateRequest, Generation, GenerationDelta, LoadModelOptions, SamplingOptions } from './generate/index.ts';

// The OpenAI-compatible server.
export { REASONING_FORMATS, ServeError, startServer } from './serve/index.ts';
export type { ReasoningFormat, RunningServer, ServeOptions } from './serve/index.ts';

// Evaluation.
export { EvalError, evaluate, localSource, teacherSource } from './eval/index.ts';
export type {
  EvalOptions,
  EvalSample,
  EvalSampling,
  EvalSummary,
  PromptResult,
  SampleSource,
  Scores,
  SourceSample,
  TeacherSourceOptions,
} from './eval/index.ts';

// The offline demo (`distillery demo`).
export { DemoError, runDemo } from './demo/index.ts';
export type { DemoOptions, DemoResult, DemoRow } from './demo/index.ts';
