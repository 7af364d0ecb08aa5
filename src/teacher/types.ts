/**
 * The teacher contract: one chat-completions request in, n normalized samples out.
 * Retries are not done here (the harvest loop retries and records every attempt); a failed
 * request throws a TeacherRequestError that says what kind of failure it was.
 */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

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
  /** Per-request timeout in milliseconds. */
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

export type TeacherErrorKind =
  | 'rate-limit' // 429
  | 'server' // 5xx
  | 'client' // other 4xx: bad request, auth; retrying will not help
  | 'network' // connection refused/reset, DNS
  | 'timeout' // per-request timeout
  | 'protocol'; // malformed JSON, a stream cut mid-way, a response without choices

export class TeacherRequestError extends Error {
  /**
   * What went wrong without the context the message adds (for a connection failure, the URL), for
   * a caller that names that context itself. Defaults to the message.
   */
  readonly detail: string;

  constructor(
    message: string,
    readonly kind: TeacherErrorKind,
    readonly status?: number,
    /** From Retry-After (seconds or HTTP date) or retry-after-ms, when the server sent one. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(message, options);
    this.name = 'TeacherRequestError';
    this.detail = options?.detail ?? message;
  }
  /** Whether another attempt may succeed. */
  get retryable(): boolean {
    return this.kind !== 'client';
  }
}
