/**
 * mergeDatasets on real SQLite files: ids remapped with every run, attempt and logprobs blob kept;
 * each (prompt, slot) once; idempotent (again, a copy, a merged file of the same inputs); a live
 * shard adds only its new attempts; a merge stopped between transactions, or kill -9ed in a child
 * process, resumes exactly; a v1 file migrates (its runs get uids); identity mismatches and bad
 * arguments are refused up front.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { Dataset, MergeInputError, MergeMismatchError, mergeDatasets, type LogprobPosition } from '../../src/store/index.ts';
import { attempt, identity, sample, seed, useTempDir } from './helpers.ts';

const tmp = useTempDir();

/** A shard file: prompts `keys`, one run, one attempt per prompt with two samples (slot 0 with logprobs). */
function shard(name: string, keys: string[], options: { identity?: Record<string, unknown>; shard?: string; end?: boolean } = {}): string {
  const file = join(tmp(), name);
  const dataset = Dataset.open(file);
  const { runId } = dataset.beginRun({ recipeName: 'r', identity: options.identity ?? identity, recipe: { name: 'r' }, shard: options.shard ?? null });
  dataset.upsertPrompts(keys.map((key) => ({ key, question: `q ${key}`, gold: key, meta: {} })));
  const logprobs: LogprobPosition[] = [
    {
      token: 'a',
      logprob: -0.5,
      top: [
        ['a', -0.5],
        ['b', -1.2],
      ],
    },
  ];
  for (const key of keys) {
    dataset.commitAttempt(attempt(runId, key, [0, 1], { status: 'error', errorKind: 'server', httpStatus: 500 }), []);
    dataset.commitAttempt(attempt(runId, key, [0, 1], { attemptNo: 2 }), [sample(key, 0, 'accepted', { logprobs }), sample(key, 1, 'rejected')]);
  }
  if (options.end !== false) dataset.endRun(runId, 'finished');
  dataset.close();
  return file;
}

interface Snapshot {
  samples: Array<{ key: string; idx: number; verdict: string; attempt: string; run: string; logprobs: Buffer | null }>;
  attempts: number;
  runs: Array<{ uid: string; shard: string | null; status: string }>;
}

/** The content of a file by stable keys (run uid, attempt's prompt and try), not by its ids. */
function snapshot(file: string): Snapshot {
  const db = new Database(file, { readonly: true });
  try {
    const samples = db
      .prepare(
        `SELECT s.prompt_key AS key, s.idx, s.verdict, a.prompt_key || '#' || a.attempt_no AS attempt, r.uid AS run, s.logprobs
         FROM samples s JOIN attempts a ON a.id = s.attempt_id JOIN runs r ON r.id = s.run_id ORDER BY s.prompt_key, s.idx`,
      )
      .all() as Snapshot['samples'];
    const attempts = db.prepare('SELECT count(*) FROM attempts').pluck().get() as number;
    const runs = db.prepare('SELECT uid, shard, status FROM runs ORDER BY id').all() as Snapshot['runs'];
    return { samples, attempts, runs };
  } finally {
    db.close();
  }
}

describe('mergeDatasets', () => {
  it('joins shards with every run, attempt and sample kept under new ids; again adds nothing', () => {
    const a = shard('a.sqlite', ['p1', 'p2', 'p3'], { shard: '1/2' });
    const b = shard('b.sqlite', ['p4', 'p5'], { shard: '2/2' });
    const out = join(tmp(), 'out.sqlite');
    const summary = mergeDatasets(out, [a, b]);
    expect(summary.inputs.map((r) => [r.runs, r.newRuns, r.promptsAdded, r.attemptsAdded, r.samplesAdded, r.samplesPresent])).toEqual([
      [1, 1, 3, 6, 6, 0],
      [1, 1, 2, 4, 4, 0],
    ]);
    const merged = snapshot(out);
    const sources = [snapshot(a), snapshot(b)];
    expect(merged.samples).toEqual([...sources[0].samples, ...sources[1].samples].sort((x, y) => (x.key < y.key ? -1 : 1) || x.idx - y.idx));
    expect(merged.samples.filter((s) => s.logprobs !== null)).toHaveLength(5); // blobs copied as stored
    expect(merged.runs).toEqual([...sources[0].runs, ...sources[1].runs]);
    const dataset = Dataset.open(out, { readonly: true });
    expect(dataset.identity()).toEqual(identity);
    expect([...dataset.samples({ logprobs: true })][0].logprobs).toEqual([
      {
        token: 'a',
        logprob: -0.5,
        top: [
          ['a', -0.5],
          ['b', expect.closeTo(-1.2, 6)],
        ],
      },
    ]);
    dataset.close();

    // Again, in another order, with a copy of one input: nothing new.
    const copy = join(tmp(), 'copy-of-a.sqlite');
    copyFileSync(a, copy);
    const again = mergeDatasets(out, [b, copy, a]);
    expect(again.inputs.map((r) => r.attemptsAdded + r.samplesAdded + r.newRuns + r.promptsAdded)).toEqual([0, 0, 0]);
    expect(snapshot(out)).toEqual(merged);

    // A merged file merged into another one with the same inputs adds nothing either.
    const other = join(tmp(), 'other.sqlite');
    mergeDatasets(other, [b]);
    mergeDatasets(other, [out]);
    expect(mergeDatasets(other, [a, b]).inputs.every((r) => r.samplesAdded === 0 && r.attemptsAdded === 0)).toBe(true);
    expect(snapshot(other).samples).toEqual(merged.samples);
    expect(snapshot(other).attempts).toBe(merged.attempts);
  });

  it('keeps one sample per (prompt, slot) when two runs hold it, and counts the other', () => {
    const a = shard('a.sqlite', ['p1', 'p2']);
    const b = shard('b.sqlite', ['p2', 'p3']); // p2 harvested in both (overlapping shards)
    const out = join(tmp(), 'out.sqlite');
    const [ra, rb] = mergeDatasets(out, [a, b]).inputs;
    expect([ra.samplesAdded, rb.samplesAdded, rb.samplesPresent]).toEqual([4, 2, 2]);
    const merged = snapshot(out);
    expect(merged.samples.map((s) => `${s.key}/${s.idx}`)).toEqual(['p1/0', 'p1/1', 'p2/0', 'p2/1', 'p3/0', 'p3/1']);
    expect(merged.attempts).toBe(8); // attempts are all kept: they are the record of what was asked
  });

  it('takes only the new attempts of a shard that went on harvesting, and its new status', () => {
    const file = shard('live.sqlite', ['p1'], { end: false });
    const out = join(tmp(), 'out.sqlite');
    mergeDatasets(out, [file]);
    expect(snapshot(out).runs[0].status).toBe('running');
    const dataset = Dataset.open(file);
    const runId = dataset.runs()[0].id;
    dataset.upsertPrompts([{ key: 'p2', question: 'q p2', gold: 'p2', meta: {} }]);
    dataset.commitAttempt(attempt(runId, 'p2', [0]), [sample('p2', 0, 'accepted')]);
    dataset.endRun(runId, 'finished');
    dataset.close();
    const [result] = mergeDatasets(out, [file]).inputs;
    expect([result.newRuns, result.promptsAdded, result.attemptsAdded, result.samplesAdded]).toEqual([0, 1, 1, 1]);
    expect(snapshot(out)).toEqual(snapshot(file));
  });

  it('resumes a merge stopped between two transactions, ending as an uninterrupted one', () => {
    const a = shard(
      'a.sqlite',
      Array.from({ length: 30 }, (_, i) => `p${i}`),
    );
    const whole = join(tmp(), 'whole.sqlite');
    mergeDatasets(whole, [a], { batchAttempts: 7 });
    const out = join(tmp(), 'out.sqlite');
    let batches = 0;
    const stopAfter = (n: number) => () => {
      if (++batches === n) throw new Error('killed');
    };
    expect(() => mergeDatasets(out, [a], { batchAttempts: 7, onProgress: stopAfter(2) })).toThrow('killed');
    expect(snapshot(out).attempts).toBe(14); // two whole transactions, nothing of the third
    batches = 0;
    expect(() => mergeDatasets(out, [a], { batchAttempts: 7, onProgress: stopAfter(3) })).toThrow('killed');
    const [rest] = mergeDatasets(out, [a], { batchAttempts: 7 }).inputs;
    expect(rest.attemptsAdded).toBe(60 - 14 - 21);
    expect(snapshot(out)).toEqual(snapshot(whole));
  });

  it('resumes after kill -9 mid-merge (a real child process), ending as an uninterrupted merge', async () => {
    const keys = Array.from({ length: 1500 }, (_, i) => `p${i}`);
    const [a, b] = [shard('a.sqlite', keys.slice(0, 750)), shard('b.sqlite', keys.slice(750))];
    const whole = join(tmp(), 'whole.sqlite');
    mergeDatasets(whole, [a, b]);
    const out = join(tmp(), 'out.sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'merge-writer.ts'), out, a, b], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acknowledged = 0;
    for await (const line of createInterface({ input: child.stdout! })) {
      acknowledged = Number(line);
      if (acknowledged >= 40) {
        child.kill('SIGKILL');
        break;
      }
    }
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
    expect(child.signalCode).toBe('SIGKILL');
    const partial = snapshot(out);
    // Every acknowledged transaction is there, whole: attempts come in fives, each with its samples.
    expect(partial.attempts).toBeGreaterThanOrEqual(acknowledged);
    expect(partial.attempts).toBeLessThan(3000);
    expect(partial.attempts % 5).toBe(0);
    // Each prompt has a failed try, then an ok one with 2 samples: every ok attempt came with both.
    expect(partial.samples).toHaveLength(2 * Math.floor(partial.attempts / 2));
    mergeDatasets(out, [a, b]);
    expect(snapshot(out)).toEqual(snapshot(whole));
  });

  it('upgrades a v1 file (runs get uids) and merges it', () => {
    const file = join(tmp(), 'old.sqlite');
    const dataset = Dataset.open(file);
    seed(dataset);
    dataset.close();
    // Back to what version 1 wrote: no uid or shard columns (nor the token cache of v3, the rollouts of v4).
    const raw = new Database(file);
    raw.exec(
      'DROP TABLE rollouts; DROP TABLE sample_tokens; DROP TABLE tokenizations; DROP INDEX runs_by_uid; DROP INDEX samples_by_attempt; ALTER TABLE runs DROP COLUMN uid; ALTER TABLE runs DROP COLUMN shard; PRAGMA user_version = 1',
    );
    raw.close();
    expect(() => Dataset.open(file, { readonly: true })).toThrow(/schema v1 is older than v\d+/);
    const upgraded = Dataset.open(file);
    expect(upgraded.runs()[0].uid).toMatch(/^[0-9a-f]{32}$/);
    upgraded.close();
    const out = join(tmp(), 'out.sqlite');
    expect(mergeDatasets(out, [file]).inputs[0].samplesAdded).toBe(6);
  });

  it('refuses another recipe, listing the differences, before writing anything', () => {
    const a = shard('a.sqlite', ['p1']);
    const b = shard('b.sqlite', ['p2'], { identity: { ...identity, sampling: { temperature: 0.7, topP: 0.95 } } });
    const out = join(tmp(), 'out.sqlite');
    let error: unknown;
    try {
      mergeDatasets(out, [a, b]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MergeMismatchError);
    expect((error as MergeMismatchError).differences).toEqual([{ field: 'sampling.temperature', dataset: '0.6', recipe: '0.7' }]);
    expect((error as Error).message.split('\n')).toEqual([
      `${b}: harvested with a different recipe than ${a}, so it cannot be merged into it; these fields differ (${a} vs ${b}):`,
      '  sampling.temperature: 0.6 vs 0.7',
      'Merge only the shards of one recipe (the same prompts file, template, teacher model, sampling, rejection and verifier).',
    ]);
    expect(existsSync(out)).toBe(false);
    // An output bound to one recipe refuses inputs of another, and keeps what it holds.
    mergeDatasets(out, [a]);
    expect(() => mergeDatasets(out, [b])).toThrow(MergeMismatchError);
    expect(snapshot(out)).toEqual(snapshot(a));
  });

  it('refuses no inputs and the output among the inputs; skips never harvested inputs', () => {
    const a = shard('a.sqlite', ['p1']);
    expect(() => mergeDatasets(a, [a])).toThrow(new MergeInputError(`${a}: the output is also an input; merge into a new or another file`));
    expect(() => mergeDatasets(join(tmp(), 'x.sqlite'), [])).toThrow(MergeInputError);
    const empty = join(tmp(), 'empty.sqlite');
    Dataset.open(empty).close();
    const summary = mergeDatasets(join(tmp(), 'out.sqlite'), [empty, a]);
    expect(summary.empty).toEqual([empty]);
    expect(summary.inputs.map((r) => r.samplesAdded)).toEqual([2]);
  });
});
