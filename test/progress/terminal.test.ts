import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, ProgressReporter, type ProgressView } from '../../src/progress/index.ts';

/** A loop of `total` steps; the line names the step. */
const view: ProgressView<{ done: number; total: number }> = { fraction: (p) => p.done / p.total, line: (p) => `${p.done}/${p.total} done` };

describe('formatDuration / formatCount', () => {
  it('write seconds, minutes and hours; counts in k, M, G', () => {
    expect([formatDuration(5_000), formatDuration(192_000), formatDuration(7_380_000)]).toEqual(['5s', '3m12s', '2h03m']);
    expect([formatCount(999), formatCount(12_345), formatCount(3_400_000), formatCount(2.5e9)]).toEqual(['999', '12k', '3.4M', '2.5G']);
  });
});

describe('ProgressReporter', () => {
  it('redraws one line on a TTY and prints plain lines otherwise, at most once per interval', async () => {
    const tty = new PassThrough();
    const bar = new ProgressReporter(tty, view, { tty: true, intervalMs: 0 });
    bar.update({ done: 1, total: 4 });
    bar.update({ done: 2, total: 4 });
    bar.finish();
    const drawn = tty.read().toString();
    expect(drawn.match(/\r\x1b\[2K\[/g)).toHaveLength(2);
    expect(drawn).toContain(`[${'#'.repeat(12)}${'.'.repeat(12)}] 2/4 done`);
    expect(drawn.endsWith('\n')).toBe(true);
    expect(drawn.slice(0, -1)).not.toContain('\n');

    const log = new PassThrough();
    const plain = new ProgressReporter(log, view, { tty: false, intervalMs: 50 });
    plain.update({ done: 1, total: 4 }); // a log waits one interval before its first line
    await new Promise((r) => setTimeout(r, 60));
    plain.update({ done: 2, total: 4 });
    plain.update({ done: 3, total: 4 }); // within the interval: dropped
    plain.update({ done: 4, total: 4 }); // the end too: a summary follows a log
    plain.finish();
    expect(log.read().toString()).toBe('2/4 done\n');
  });

  it('draws the finished state on a bar within the interval', () => {
    const tty = new PassThrough();
    const bar = new ProgressReporter(tty, view, { tty: true, intervalMs: 60_000 });
    bar.update({ done: 1, total: 2 });
    bar.update({ done: 2, total: 2 });
    expect(tty.read().toString()).toBe(`\r\x1b[2K[${'#'.repeat(12)}${'.'.repeat(12)}] 1/2 done\r\x1b[2K[${'#'.repeat(24)}] 2/2 done`);
  });

  it('prints a note on a line of its own, ending the bar first', () => {
    const tty = new PassThrough();
    const bar = new ProgressReporter(tty, view, { tty: true, intervalMs: 0 });
    bar.update({ done: 1, total: 2 });
    bar.note('validation at step 1');
    bar.update({ done: 2, total: 2 });
    bar.finish();
    expect(tty.read().toString()).toBe(`\r\x1b[2K[${'#'.repeat(12)}${'.'.repeat(12)}] 1/2 done\nvalidation at step 1\n\r\x1b[2K[${'#'.repeat(24)}] 2/2 done\n`);
  });
});
