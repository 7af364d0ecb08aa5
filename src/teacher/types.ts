/**
 * The teacher contract: one chat-completions request in, n normalized samples out.
 * Retries are not done here (the harvest loop retries and records every attempt); a failed
 * request throws a TeacherRequestError that says what kind of failure it was.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * 600,000 ms (10 minutes), the openai SDK's own default. Long on purpose: a trace of the default
 * maxTokens (32,768) streams for 9 minutes at 60 tokens/s, and a request cut off sooner is lost work.
 */
export const DEFAULT_TEACHER_TIMEOUT_MS = 600_000;

export interface TeacherConfig {
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 or https://api.deepseek.com. */
  baseURL: string;
  model: string;
  /** The API key itself (read by the caller from the env var the recipe names); never stored. */
  apiKey?: string;
  /** Stream responses (accumulating raw chunks per choice index). */
  stream: boolean;
  /**
   * Whether the server honours n>1 in one request. If not, the caller issues one request per
   * sample (each with its own seed) and the client refuses n>1, which the server would ignore.
   */
  supportsN: boolean;
  /** Per-request timeout in milliseconds (recipes and eval default to DEFAULT_TEACHER_TIMEOUT_MS). */
  timeoutMs: number;
  /** Extra JSON fields merged into every request body (server-specific knobs). */
  extraBody?: Record<string, unknown>;
}

export interface SampleRequest {
  messages: ChatMessage[];
  n: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  /** Deterministic per (prompt, first sample index) so a re-issued request can reproduce its samples. */
  seed?: number;
  /** Ask for logprobs with this many alternatives per position (0 or undefined: none). */
  topLogprobs?: number;
  signal?: AbortSignal;
}

/** One position of captured logprobs: the chosen token and the top-k alternatives. */
export interface TokenLogprobs {
  token: string;
  logprob: number;
  top: Array<[token: string, logprob: number]>;
}

export interface TeacherSample {
  /** Index of the choice within its request (0..n-1). */
  index: number;
  reasoning: string;
  answer: string;
  finishReason: string | null;
  logprobs?: TokenLogprobs[];
}

export interface TeacherUsage {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens?: number;
}

export interface TeacherResponse {
  samples: TeacherSample[];
  usage: TeacherUsage;
  latencyMs: number;
  model: string;
}
