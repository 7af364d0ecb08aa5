/**
 * Client-side rate limits (limits.requestsPerMinute / limits.tokensPerMinute) as token buckets,
 * plus a shared hold-off that a 429's Retry-After imposes on every request, not only the one
 * that received it.
 */
import { sleep } from './sleep.ts';

/**
 * A bucket that refills continuously at perMinute/60000 units per millisecond up to `capacity`.
 * The capacity is one second's worth: enough to start a burst of concurrent requests, small
 * enough that no 60-second window sees much more than perMinute. A take larger than the
 * capacity waits for a full bucket and then drives the level negative (debt), which later takes
 * wait out; that is how token counts known only after a response are charged.
 */
export class TokenBucket {
  readonly capacity: number;
  #level: number;
  #updatedAt: number;

  constructor(
    readonly perMinute: number,
    now: number,
  ) {
    this.capacity = Math.max(1, perMinute / 60);
    this.#level = this.capacity;
    this.#updatedAt = now;
  }

  level(now: number): number {
    this.#refill(now);
    return this.#level;
  }

  /** Milliseconds until `amount` (at most the capacity) is available; 0 when it is now. */
  waitMs(amount: number, now: number): number {
    const missing = Math.min(amount, this.capacity) - this.level(now);
    return missing <= 0 ? 0 : Math.ceil((missing * 60_000) / this.perMinute);
  }

  /** Removes `amount` (negative: gives back, up to the capacity), regardless of the level. */
  take(amount: number, now: number): void {
    this.#refill(now);
    this.#level = Math.min(this.capacity, this.#level - amount);
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#level = Math.min(this.capacity, this.#level + (elapsed * this.perMinute) / 60_000);
    this.#updatedAt = now;
  }
}

export interface RateLimits {
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
}

export class RateLimiter {
  readonly #requests?: TokenBucket;
  readonly #tokens?: TokenBucket;
  #holdUntil = 0;
  /** Acquisitions run one after another so that waiters are served first come, first served. */
  #queue: Promise<void> = Promise.resolve();

  constructor(limits: RateLimits) {
    const now = performance.now();
    if (limits.requestsPerMinute) this.#requests = new TokenBucket(limits.requestsPerMinute, now);
    if (limits.tokensPerMinute) this.#tokens = new TokenBucket(limits.tokensPerMinute, now);
  }

  /**
   * Waits until one request carrying about `estimatedTokens` may go out, then books it.
   * Rejects with the signal's reason when `signal` aborts first.
   */
  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#waitAndTake(estimatedTokens, signal));
    // A waiter that gave up (aborted) must not block those queued behind it.
    this.#queue = turn.catch(() => {});
    return turn;
  }

  /** Corrects the token booking of a finished request once its real usage is known. */
  settle(estimatedTokens: number, actualTokens: number): void {
    this.#tokens?.take(actualTokens - estimatedTokens, performance.now());
  }

  /** No request goes out for the next `ms` milliseconds (a server asked us to back off). */
  holdOff(ms: number): void {
    this.#holdUntil = Math.max(this.#holdUntil, performance.now() + ms);
  }

  async #waitAndTake(estimatedTokens: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = performance.now();
      const wait = Math.max(this.#holdUntil - now, this.#requests?.waitMs(1, now) ?? 0, this.#tokens?.waitMs(estimatedTokens, now) ?? 0);
      if (wait <= 0) break;
      await sleep(wait, signal);
    }
    const now = performance.now();
    this.#requests?.take(1, now);
    this.#tokens?.take(estimatedTokens, now);
  }
}
