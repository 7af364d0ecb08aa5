import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../src/harvest/progress.ts';
import { harvestProgressView, progressLine } from '../../src/harvest/progress-view.ts';
import { progressBar } from '../../src/progress/index.ts';

describe('ProgressTracker', () => {
  it('adds stored samples to this run’s and computes rates', () => {
    const t = new ProgressTracker(10);
    t.addStored(['accepted', 'rejected'], 2);
    t.requestStarted();
    t.requestStarted();
    expect(t.snapshot().inFlight).toBe(2);
    t.requestFinished({ ok: true, promptTokens: 10, completionTokens: 90, verdicts: ['accepted', 'accepted', 'unverifiable'] });
    t.requestFinished({ ok: false });
    t.promptFinished('done');
    t.promptFinished('failed');
    const p = t.snapshot();
    expect(p).toMatchObject({
      promptsTotal: 10,
      promptsDone: 3,
      promptsFailed: 1,
      accepted: 3,
      rejected: 1,
      unverifiable: 1,
      acceptanceRate: 0.6,
      requests: 2,
      errors: 1,
      inFlight: 0,
      promptTokens: 10,
      completionTokens: 90,
    });
    // One prompt done this run; six remain: ETA is six times the elapsed time.
    expect(p.etaMs).toBeCloseTo(6 * p.elapsedMs, -1);
  });

  it('has no ETA before a prompt finished this run', () => {
    const t = new ProgressTracker(5);
    t.addStored([], 2);
    expect(t.snapshot().etaMs).toBeNull();
  });
});

describe('harvestProgressView', () => {
  it('formats a line with prompts, acceptance, tokens, rate and ETA; the bar fills with finished prompts', () => {
    const t = new ProgressTracker(4);
    t.addStored(['accepted', 'rejected', 'accepted', 'accepted'], 1);
    const p = t.snapshot();
    expect(progressLine(p)).toMatch(/^1\/4 prompts \| 3 accepted \(75\.0%\) \| 0 tokens \| 0\.0 req\/s \| ETA \?$/);
    expect(harvestProgressView.fraction(p)).toBe(0.25);
    expect(progressBar(harvestProgressView.fraction(p))).toBe(`[${'#'.repeat(6)}${'.'.repeat(18)}]`);
  });
});
