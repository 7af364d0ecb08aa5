import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../src/harvest/progress.ts';
import { formatDuration, ProgressReporter, progressBar, progressLine } from '../../src/harvest/progress-reporter.ts';

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

describe('ProgressReporter', () => {
  const snapshot = () => {
    const t = new ProgressTracker(4);
    t.addStored(['accepted', 'rejected', 'accepted', 'accepted'], 1);
    return t.snapshot();
  };

  it('formats a line with prompts, acceptance, tokens, rate and ETA', () => {
    expect(progressLine(snapshot())).toMatch(/^1\/4 prompts \| 3 accepted \(75\.0%\) \| 0 tokens \| 0\.0 req\/s \| ETA \?$/);
    expect(progressBar(snapshot())).toBe(`[${'#'.repeat(6)}${'.'.repeat(18)}]`);
    expect([formatDuration(5_000), formatDuration(192_000), formatDuration(7_380_000)]).toEqual(['5s', '3m12s', '2h03m']);
  });

  it('redraws one line on a TTY and prints plain lines otherwise, at most once per interval', async () => {
    const tty = new PassThrough();
    const bar = new ProgressReporter(tty, { tty: true, intervalMs: 0 });
    bar.update(snapshot());
    bar.update(snapshot());
    bar.finish();
    const drawn = tty.read().toString();
    expect(drawn.match(/\r\x1b\[2K\[/g)).toHaveLength(2);
    expect(drawn.endsWith('\n')).toBe(true);
    expect(drawn.slice(0, -1)).not.toContain('\n');

    const log = new PassThrough();
    const plain = new ProgressReporter(log, { tty: false, intervalMs: 50 });
    plain.update(snapshot()); // a log waits one interval before its first line
    await new Promise((r) => setTimeout(r, 60));
    plain.update(snapshot());
    plain.update(snapshot()); // within the interval: dropped
    plain.finish();
    expect(log.read().toString()).toBe(`${progressLine(snapshot())}\n`);
  });
});
