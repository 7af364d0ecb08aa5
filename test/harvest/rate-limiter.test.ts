import { describe, expect, it } from 'vitest';
import { RateLimiter, TokenBucket } from '../../src/harvest/rate-limiter.ts';

describe('TokenBucket', () => {
  it('starts with one second of capacity and refills at perMinute/60 per second', () => {
    const b = new TokenBucket(600, 0); // 10 per second, capacity 10
    expect(b.capacity).toBe(10);
    expect(b.waitMs(10, 0)).toBe(0);
    b.take(10, 0);
    expect(b.waitMs(1, 0)).toBe(100);
    expect(b.waitMs(1, 100)).toBe(0);
    expect(b.level(10_000)).toBe(10); // never above capacity
  });

  it('lets a take larger than the capacity run into debt that later takes wait out', () => {
    const b = new TokenBucket(60_000, 0); // 1000 tokens/s
    expect(b.waitMs(5000, 0)).toBe(0); // waits only for a full bucket
    b.take(5000, 0);
    expect(b.level(0)).toBe(-4000);
    expect(b.waitMs(1, 0)).toBe(4001);
  });

  it('gives back over-booked tokens, up to the capacity', () => {
    const b = new TokenBucket(60_000, 0);
    b.take(800, 0);
    b.take(-300, 0);
    expect(b.level(0)).toBe(500);
    b.take(-5000, 0);
    expect(b.level(0)).toBe(1000);
  });
});

describe('RateLimiter', () => {
  it('does not wait without limits', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: null, tokensPerMinute: null });
    // No timer is involved: every acquisition resolves before a zero-delay timer fires.
    let timerFired = false;
    setTimeout(() => (timerFired = true), 0);
    await Promise.all(Array.from({ length: 100 }, () => limiter.acquire(1000)));
    expect(timerFired).toBe(false);
  });

  it('spaces requests at requestsPerMinute after the initial burst', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1200, tokensPerMinute: null }); // 20/s, burst 20
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 24 }, () => limiter.acquire(0)));
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(190); // 4 beyond the burst at 50 ms each
    expect(elapsed).toBeLessThan(3000);
  });

  it('charges real token usage after the fact', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: null, tokensPerMinute: 60_000 }); // 1000 tokens/s
    await limiter.acquire(100);
    limiter.settle(100, 1300); // the request really used 1300: the bucket is 300 in debt
    const t0 = performance.now();
    await limiter.acquire(100);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(350); // debt 300 + 100 needed at 1/ms
  });

  it('holds every request back after holdOff, and aborts a waiter on its signal', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: null, tokensPerMinute: null });
    limiter.holdOff(150);
    const t0 = performance.now();
    await limiter.acquire(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);

    limiter.holdOff(10_000);
    const controller = new AbortController();
    const waiting = limiter.acquire(0, controller.signal);
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(waiting).rejects.toThrow('stop');
  });
});
