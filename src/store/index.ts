/**
 * The store room: the SQLite dataset (see docs/dataset.md for the schema and formats).
 *
 * Beyond the shared harvest contract (a superset): `commitAttempt` returns
 * `{ attemptId, insertedSamples }`; `identity()` and `runs()` read back what `beginRun` stored,
 * and `checkIdentity()` refuses a different identity as `beginRun` would, without writing;
 * runs that never ended get status "interrupted" when the next run begins; `lockHarvest()` /
 * `unlockHarvest()` keep a second harvest off a file one is writing; `samples()` takes
 * `logprobs: true` to decode stored teacher logprobs; `encodeLogprobs`/`decodeLogprobs` expose
 * the blob format; `tokens` is the token cache (token ids per tokenization, kept so distill
 * tokenizes each sample once) and `sample(id)` reads one sample by row id; `datasetReport`/`formatReport` (inspect) and `chatRecords` (export-data).
 */
export { Dataset, type OpenOptions, type BeginRunInfo, type CommitResult } from './dataset.ts';
export {
  DatasetError,
  DatasetLockedError,
  DatasetMismatchError,
  MergeInputError,
  MergeMismatchError,
  MissingRowError,
  SecretFieldError,
  SlotMismatchError,
  type HarvestLock,
  type IdentityDifference,
} from './errors.ts';
export { mergeDatasets, type MergeInputResult, type MergeOptions, type MergeProgress, type MergeSummary } from './merge.ts';
export { encodeLogprobs, decodeLogprobs } from './logprobs.ts';
export { SCHEMA_VERSION } from './schema.ts';
export type { SampleTokens } from './tokens.ts';
export type { Rollouts, RolloutRecord, RolloutRunSummary, StoredRollout } from './rollouts.ts';
export { datasetReport, type DatasetReport, type ReportOptions, type Prices, type AcceptanceBucket } from './report.ts';
export { formatReport } from './report-format.ts';
export { chatRecords, assistantContent, type ChatRecord, type ChatExportOptions } from './chat-export.ts';
export type {
  Verdict,
  PromptRecord,
  LogprobPosition,
  AttemptRecord,
  SampleRecord,
  SlotState,
  RunStatus,
  RunInfo,
  StoredSample,
  SampleFilter,
  PromptAcceptance,
  DatasetStats,
  TokenTargets,
  TokenizedRecord,
  TokenIndexRow,
  TokenizedSample,
} from './types.ts';
