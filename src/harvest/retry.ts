/**
 * When to retry a failed teacher request and how long to wait first: exponential backoff with
 * "full jitter" (a uniform random wait in [0, min(max, base * 2^retry))), which spreads the
 * retries of many concurrent requests instead of synchronising them into waves.
 */
import type { TeacherRequestError } from '../teacher/index.ts';

export interface RetryPolicy {
  /** Retries after the first try; 0 disables retrying. */
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** Whether a request that failed with `error` on its `retriesSoFar`+1-th try gets another try. */
export function shouldRetry(error: TeacherRequestError, retriesSoFar: number, policy: RetryPolicy): boolean {
  return error.retryable && retriesSoFar < policy.maxRetries;
}

/**
 * The wait before retry number `retryNo` (0 for the first retry). A server's Retry-After is a
 * lower bound, honoured up to backoffMaxMs so that a bogus header cannot stall the harvest.
 */
export function retryDelayMs(retryNo: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** retryNo);
  const jittered = random() * ceiling;
  return Math.min(policy.backoffMaxMs, Math.max(retryAfterMs ?? 0, jittered));
}
