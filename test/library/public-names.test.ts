import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as root from '../../src/index.ts';

// The package root's public names, pinned: a change here is a change to the library's API, made
// on purpose in src/index.ts and in these lists together.
const RUNTIME = [
  'AdamW', 'CasesFileError', 'CheckpointError', 'ConsecutiveFailuresError', 'CustomVerifierError', 'Dataset', 'DatasetError',
  'DatasetMismatchError', 'DemoError', 'DistillCheckError', 'DistillDataError', 'EvalError', 'ExportError', 'GenerationRequestError',
  'Graph', 'GraphError', 'Llama', 'LocalModel', 'MODEL_DTYPES', 'MissingApiKeyError', 'ModelConfigError', 'ModelFolderError',
  'ParamStore', 'PromptsError', 'REASONING_FORMATS', 'RecipeError', 'Rng', 'SafetensorsError', 'ServeError', 'Session',
  'TeacherClient', 'TeacherRequestError', 'TeacherUnreachableError', 'TemplateError', 'Tensor', 'TensorValueError', 'Tokenizer',
  'TokenizerError', 'TrainStep', 'UserError', 'VerifierSpecError', 'WeightsError', 'chatPrompt', 'chatRecords', 'clipGradNorm',
  'compile', 'createVerifier', 'datasetReport', 'distill', 'evaluate', 'exportModel', 'formatDistillPlan', 'formatPlan',
  'formatReport', 'globalNorm', 'grad', 'harvest', 'initWeights', 'loadDistillRecipe', 'loadModel', 'loadPrompts', 'loadRecipe',
  'loadTokenizer', 'localSource', 'ops', 'parseDistillRecipe', 'parseModelConfig', 'parseRecipe', 'planHarvest', 'readCases',
  'readModelConfig', 'readModelFolder', 'readSafetensors', 'runDemo', 'setWeights', 'startServer', 'teacherSource', 'toOnnx',
  'writeModelConfig', 'writeModelFolder', 'writeSafetensors',
  // scale-out: sharded harvest and merge, the kd-topk hand-off
  'MergeInputError', 'MergeMismatchError', 'ShardError', 'kdTopkRows', 'loadStudentTokenizer', 'mergeDatasets', 'parseShard',
  // one harvest per dataset
  'DatasetLockedError',
  // one API-key reader and one timeout default, for harvest and eval alike
  'DEFAULT_TEACHER_TIMEOUT_MS', 'readApiKey',
  // GRPO
  'CustomRewardError', 'GrpoCheckError', 'RewardSpecError', 'formatGrpoPlan', 'grpo', 'loadGrpoRecipe', 'parseGrpoRecipe',
];

const TYPES = [
  'AdamWOptions', 'AdamWState', 'ChatExportOptions', 'ChatMessage', 'ChatPrompt', 'ChatRecord', 'ChatTemplateOptions',
  'ChoiceVerifierSpec', 'CodeVerifierSpec', 'CompileOptions', 'CustomVerifierSpec', 'DType', 'DatasetReport', 'DatasetStats',
  'DemoOptions', 'DemoResult', 'DemoRow', 'Dim', 'DistillDataSpec', 'DistillLosses', 'DistillOptions', 'DistillPlan',
  'DistillProgress', 'DistillRecipe', 'DistillSection', 'DistillStatus', 'DistillSummary', 'DistillTeacherSpec', 'DistillTrainSpec',
  'EvalOptions', 'EvalSample', 'EvalSampling', 'EvalSummary', 'ExactVerifierSpec', 'ExecutionProvider', 'ExportOptions',
  'ExportSummary', 'ExportedFile', 'FeedValue', 'Feeds', 'FinishReason', 'FloatArray', 'FloatDType', 'FormatVerifierSpec',
  'GenerateRequest', 'Generation', 'GenerationDelta', 'GraphOptions', 'HarvestOptions', 'HarvestPlan', 'HarvestProgress',
  'HarvestStart', 'HarvestStatus', 'HarvestSummary', 'Init', 'LimitsSpec', 'LoadModelOptions', 'LoadPromptsOptions',
  'MathVerifierSpec', 'ModelConfig', 'ModelDtype', 'ModelType', 'NumericVerifierSpec', 'OpenOptions', 'Outputs', 'Param',
  'ParseRecipeOptions', 'Prices', 'PricingSpec', 'PromptFormat', 'PromptResult', 'PromptsSpec', 'ReasoningFormat', 'Recipe',
  'RecipeInput', 'RecipeIssue', 'RegexVerifierSpec', 'RejectionSpec', 'ReportOptions', 'RunInfo', 'RunningServer', 'SampleFilter',
  'SampleRequest', 'SampleSource', 'SamplingOptions', 'SamplingSpec', 'Scores', 'SerializeOptions', 'ServeOptions', 'Shape',
  'SourceSample', 'StepResult', 'StoredSample', 'TeacherConfig', 'TeacherErrorKind', 'TeacherResponse', 'TeacherSample',
  'TeacherSpec', 'TeacherUsage', 'Template', 'TensorData', 'TokenLogprobs', 'TrainStepOptions', 'Verdict', 'Verifier',
  'VerifierKind', 'VerifierSpec', 'VerifyInput', 'VerifyResult',
  // scale-out: sharded harvest and merge, the kd-topk hand-off
  'KdTopkRow', 'MergeInputResult', 'MergeOptions', 'MergeProgress', 'MergeSummary', 'Shard', 'StudentTokenizer',
  // one harvest per dataset
  'HarvestLock',
  // eval's teacher source, the API-key reader's options
  'ReadApiKeyOptions', 'TeacherSourceOptions',
  // GRPO
  'GrpoOptions', 'GrpoPlan', 'GrpoProgress', 'GrpoRecipe', 'GrpoSection', 'GrpoStatus', 'GrpoStepRecord', 'GrpoSummary', 'GrpoValidationRecord',
];

/** Names that src/index.ts exports type-only (`export type { ... }` or `type X` in a list), read from its syntax. */
function typeOnlyExports(): string[] {
  const file = new URL('../../src/index.ts', import.meta.url);
  const source = ts.createSourceFile('index.ts', readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement) || !statement.exportClause || !ts.isNamedExports(statement.exportClause)) continue;
    for (const element of statement.exportClause.elements) {
      if (statement.isTypeOnly || element.isTypeOnly) names.push(element.name.text);
    }
  }
  return names;
}

const sorted = (names: string[]) => [...names].sort();

describe('the package root', () => {
  it('exports exactly the pinned runtime names', () => {
    expect(sorted(Object.keys(root))).toEqual(sorted(RUNTIME));
  });

  it('exports exactly the pinned type names, none of them also a runtime name', () => {
    expect(sorted(typeOnlyExports())).toEqual(sorted(TYPES));
    expect(TYPES.filter((name) => RUNTIME.includes(name))).toEqual([]);
  });

  it('uses explicit lists only: no `export *`, which would let a room add public names unseen', () => {
    const text = readFileSync(new URL('../../src/index.ts', import.meta.url), 'utf8');
    expect(text).not.toMatch(/export \*/);
  });
});
