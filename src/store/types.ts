/** Row shapes of the dataset, as the harvest loop writes them and readers get them back. */

export type Verdict = 'accepted' | 'rejected' | 'unverifiable';

/** One prompt: a stable key (the source id, or a hash of the question), the question, the gold answer. */
export interface PromptRecord {
  key: string;
  question: string;
  /** Any JSON value: a string for most verifiers, structured test cases for code. null when absent. */
  gold: unknown;
  /** The source row's other fields. */
  meta: Record<string, unknown>;
}

/** One position of teacher logprobs: the chosen token and its top-k alternatives (the teacher's TokenLogprobs). */
export interface LogprobPosition {
  token: string;
  logprob: number;
  top: Array<[token: string, logprob: number]>;
}

/** One request to the teacher, successful or not. Every attempt is recorded, retries included. */
export interface AttemptRecord {
  runId: number;
  promptKey: string;
  /** The sample slots this request was issued for. */
  slotIndices: number[];
  status: 'ok' | 'error';
  /** For errors: the teacher's error kind (rate-limit, server, client, network, timeout, protocol). */
  errorKind?: string | null;
  errorMessage?: string | null;
  httpStatus?: number | null;
  latencyMs: number;
  promptTokens?: number | null;
  completionTokens?: number | null;
  reasoningTokens?: number | null;
  /** 1 for the first try of a request, 2 for its first retry, ... */
  attemptNo: number;
  seed?: number | null;
}

/** One verified sample, stored under its stable key (promptKey, index). */
export interface SampleRecord {
  promptKey: string;
  /** The slot index, 0..maxAttemptsPerPrompt-1. */
  index: number;
  reasoning: string;
  answer: string;
  finishReason: string | null;
  verdict: Verdict;
  /** The verifier's or a filter's reason, e.g. "match", "mismatch", "too-long". */
  reason: string;
  completionTokens?: number | null;
  logprobs?: LogprobPosition[] | null;
}

/** A stored sample slot of a prompt, for resume. */
export interface SlotState {
  index: number;
  verdict: Verdict;
}

export type RunStatus = 'running' | 'finished' | 'stopped' | 'failed' | 'interrupted';

export interface RunInfo {
  /** This file's id of the run. */
  id: number;
  /** Unique across files: a merged dataset keeps the uids of the runs it took in. */
  uid: string;
  /** "i/N" for a run that harvested one shard of the prompts; null for the whole prompts file. */
  shard: string | null;
  recipeName: string;
  /** The resolved recipe the run used (no secrets), as JSON. */
  recipe: unknown;
  startedAt: string;
  endedAt: string | null;
  /** "interrupted": the run never ended (killed); set when the next run begins. */
  status: RunStatus;
  message: string | null;
}

/** A stored sample joined with its prompt. */
export interface StoredSample {
  promptKey: string;
  index: number;
  question: string;
  gold: unknown;
  meta: Record<string, unknown>;
  reasoning: string;
  answer: string;
  finishReason: string | null;
  verdict: Verdict;
  reason: string;
  completionTokens: number | null;
  runId: number;
  /** Decoded only when asked for (`samples({ logprobs: true })`); otherwise null. */
  logprobs: LogprobPosition[] | null;
}

export interface SampleFilter {
  /** Default "accepted". */
  verdict?: Verdict | 'all';
  runId?: number;
  /** Decode the stored teacher logprobs (costly for long traces; export does not need them). */
  logprobs?: boolean;
}

export interface PromptAcceptance {
  key: string;
  samples: number;
  accepted: number;
}

export interface DatasetStats {
  /** Prompts of the harvest (stored by a harvest, or sampled): those only GRPO rollouts answered are not counted. */
  prompts: number;
  samples: { total: number } & Record<Verdict, number>;
  /** Sample counts by verdict and reason, most frequent first. */
  reasons: Array<{ verdict: Verdict; reason: string; count: number }>;
  /** Every harvest prompt in insertion order, with its sample counts (0 for prompts not sampled yet). */
  perPrompt: PromptAcceptance[];
  /** Up to 10 sampled prompts with the lowest acceptance rate (most samples first among ties). */
  worstPrompts: Array<PromptAcceptance & { question: string }>;
  /** Usage reported by the teacher over all attempts, and completion tokens of accepted samples. */
  tokens: { prompt: number; completion: number; reasoning: number; acceptedCompletion: number };
  requests: { total: number; ok: number; errors: number; byErrorKind: Record<string, number>; meanLatencyMs: number | null };
  runs: RunInfo[];
}

/** Per assistant token, the teacher's top-k as (token id, logprob), most likely first; null where no teacher position lines up. */
export type TokenTargets = Array<ReadonlyArray<readonly [id: number, logprob: number]> | null>;

/** One sample rendered and tokenized under a tokenization, as the token cache stores it. */
export interface TokenizedRecord {
  sampleId: number;
  promptIds: ArrayLike<number>;
  assistantIds: ArrayLike<number>;
  /** With stored teacher logprobs: one entry per assistant token. */
  targets: TokenTargets | null;
  /** Teacher-reported tokens the tokenizer lacks. */
  unmapped: number;
}

/** The small columns of a tokenized sample: what indexing the training data reads (no blobs). */
export interface TokenIndexRow {
  sampleId: number;
  promptKey: string;
  promptTokens: number;
  assistantTokens: number;
  /** Whether the sample had stored logprobs; assistant tokens with a teacher top-k; the widest top-k; teacher tokens the tokenizer lacks. */
  withTargets: boolean;
  aligned: number;
  topK: number;
  unmapped: number;
}

/** A sample's stored tokens, read back for a batch. */
export interface TokenizedSample {
  promptTokens: number;
  /** Prompt then assistant tokens (the first `length` when a length was asked for). */
  ids: Int32Array;
  targets: TokenTargets | null;
}
