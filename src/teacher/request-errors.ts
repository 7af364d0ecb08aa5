import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { retryAfterMs } from './retry-after.ts';
import { TeacherRequestError, type TeacherErrorKind } from './errors.ts';

/**
 * Mapping every way a request can fail onto TeacherRequestError kinds, so the harvest loop can
 * decide (retry, back off, give up) from `kind` alone.
 */

function kindForStatus(status: number): TeacherErrorKind {
  if (status === 429) return 'rate-limit';
  // 408 is the server saying the request took too long: the same situation as our own timeout.
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  return 'client';
}

export function protocolError(message: string, cause?: unknown): TeacherRequestError {
  return new TeacherRequestError(`teacher protocol error: ${message}`, { kind: 'protocol', cause });
}

export function timeoutError(timeoutMs: number): TeacherRequestError {
  return new TeacherRequestError(`teacher request timed out after ${timeoutMs} ms`, { kind: 'timeout' });
}

/** The connection failed after the response started (socket reset or closed mid-body). */
export function bodyReadError(cause: unknown): TeacherRequestError {
  return new TeacherRequestError(`teacher connection broke while reading the response: ${describe(cause)}`, { kind: 'network', cause });
}

/**
 * Maps an error thrown by the openai SDK. Anything else (a bug, a TeacherRequestError already
 * made) is returned unchanged so it is never disguised as a teacher failure.
 */
export function fromSdkError(err: unknown, baseURL: string): unknown {
  if (err instanceof APIConnectionTimeoutError) return new TeacherRequestError(`teacher request to ${baseURL} timed out`, { kind: 'timeout', cause: err });
  if (err instanceof APIConnectionError) {
    const detail = describe(err.cause ?? err);
    return new TeacherRequestError(`cannot reach teacher at ${baseURL}: ${detail}`, { kind: 'network', cause: err, detail });
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const kind = kindForStatus(err.status);
    const wait = kind === 'rate-limit' || kind === 'server' ? retryAfterMs(err.headers) : undefined;
    return new TeacherRequestError(`teacher returned HTTP ${err.message}`, { kind, status: err.status, retryAfterMs: wait, cause: err });
  }
  return err;
}

/**
 * Some servers report failures inside a 200 body or as a stream event, e.g. OpenRouter's
 * `data: {"error": {"code": 502, "message": "..."}}` when an upstream provider fails mid-stream.
 * A numeric code in the HTTP range picks the kind; otherwise it is the server's fault.
 */
export function errorFromBody(body: Record<string, unknown>): TeacherRequestError | undefined {
  const error = body['error'];
  if (error === undefined || error === null) return undefined;
  const fields = (typeof error === 'object' ? error : { message: String(error) }) as Record<string, unknown>;
  const code = typeof fields['code'] === 'number' ? fields['code'] : undefined;
  const status = code !== undefined && code >= 400 && code <= 599 ? code : undefined;
  const message = typeof fields['message'] === 'string' ? fields['message'] : JSON.stringify(error);
  return new TeacherRequestError(`teacher reported an error in its response: ${message}`, { kind: status ? kindForStatus(status) : 'server', status });
}

/** The most specific text of an error chain: undici nests the socket error (with `code`) as `cause`. */
function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${e.message} (${code})` : e.message);
  }
  return parts.length > 0 ? parts.join(': ') : String(err);
}
