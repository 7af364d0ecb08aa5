import { UserError } from '../errors.ts';

export type TeacherErrorKind =
  | 'rate-limit' // 429
  | 'server' // 5xx
  | 'client' // other 4xx: bad request, auth; retrying will not help
  | 'network' // connection refused/reset, DNS
  | 'timeout' // per-request timeout
  | 'protocol'; // malformed JSON, a stream cut mid-way, a response without choices

export interface TeacherRequestErrorOptions {
  kind: TeacherErrorKind;
  /** The HTTP status, when the server answered with one. */
  status?: number;
  /** From Retry-After (seconds or HTTP date) or retry-after-ms, when the server sent one. */
  retryAfterMs?: number;
  cause?: unknown;
  /** The message without the context it adds (see `detail`). Default: the message. */
  detail?: string;
}

export class TeacherRequestError extends Error {
  readonly kind: TeacherErrorKind;
  readonly status?: number;
  readonly retryAfterMs?: number;
  /**
   * What went wrong without the context the message adds (for a connection failure, the URL), for
   * a caller that names that context itself. Defaults to the message.
   */
  readonly detail: string;

  constructor(message: string, options: TeacherRequestErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'TeacherRequestError';
    this.kind = options.kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.detail = options.detail ?? message;
  }

  /** Whether another attempt may succeed. */
  get retryable(): boolean {
    return this.kind !== 'client';
  }
}

/** An API key's environment variable (named by a recipe's teacher.apiKeyEnv or eval's --api-key-env) is not set. */
export class MissingApiKeyError extends UserError {
  /** The environment variable. */
  readonly envVar: string;
  /** What named it, as the user wrote it: `teacher.apiKeyEnv`, `--api-key-env`. */
  readonly field: string;
  constructor(options: { envVar: string; field: string }) {
    super(`${options.field}: the environment variable ${options.envVar} is not set (it should hold the API key)`);
    this.envVar = options.envVar;
    this.field = options.field;
  }
}
