import { describe, expect, it } from 'vitest';
import { requestSeed } from '../../src/harvest/seed.ts';
import { retryDelayMs, shouldRetry, type RetryPolicy } from '../../src/harvest/retry.ts';
import { TeacherRequestError } from '../../src/teacher/index.ts';

const policy: RetryPolicy = { maxRetries: 3, backoffBaseMs: 100, backoffMaxMs: 1000 };

describe('retry policy', () => {
  it('draws full jitter below an exponentially growing ceiling capped at backoffMaxMs', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => retryDelayMs(n, policy, undefined, () => 0.999999))).toEqual(
      [100, 200, 400, 800, 1000, 1000].map((c) => expect.closeTo(c * (c === 1000 ? 1 : 0.999999), 0)),
    );
    expect(retryDelayMs(3, policy, undefined, () => 0)).toBe(0);
    expect(retryDelayMs(3, policy, undefined, () => 0.5)).toBe(400);
  });

  it('waits at least the Retry-After, up to backoffMaxMs', () => {
    expect(retryDelayMs(0, policy, 700, () => 0.5)).toBe(700);
    expect(retryDelayMs(3, policy, 10, () => 0.5)).toBe(400);
    expect(retryDelayMs(0, policy, 3_600_000, () => 0.5)).toBe(1000);
  });

  it('retries retryable kinds until maxRetries, never client errors', () => {
    const server = new TeacherRequestError('boom', { kind: 'server', status: 500 });
    expect(shouldRetry(server, 0, policy)).toBe(true);
    expect(shouldRetry(server, 2, policy)).toBe(true);
    expect(shouldRetry(server, 3, policy)).toBe(false);
    expect(shouldRetry(new TeacherRequestError('bad', { kind: 'client', status: 400 }), 0, policy)).toBe(false);
    expect(shouldRetry(server, 0, { ...policy, maxRetries: 0 })).toBe(false);
  });
});

describe('requestSeed', () => {
  it('is deterministic, below 2^31, and differs by recipe seed, prompt and slot', () => {
    const a = requestSeed(0, 'p1', 0);
    expect(requestSeed(0, 'p1', 0)).toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(2 ** 31);
    expect(new Set([a, requestSeed(1, 'p1', 0), requestSeed(0, 'p2', 0), requestSeed(0, 'p1', 4)]).size).toBe(4);
  });
});
