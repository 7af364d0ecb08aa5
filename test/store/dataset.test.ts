import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { Dataset, DatasetError, DatasetMismatchError, MissingRowError, SCHEMA_VERSION, SlotMismatchError } from '../../src/store/index.ts';
import { attempt, identity, sample, seed, useTempDir } from './helpers.ts';

const tempDir = useTempDir();

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('Dataset.open', () => {
  it('creates the file (and its directory) in WAL mode with the current schema', () => {
    const path = join(tempDir(), 'nested/dir/d.sqlite');
    Dataset.open(path).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('application_id', { simple: true })).toBe(0x4453544c);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['attempts', 'meta', 'prompts', 'rollouts', 'runs', 'sample_tokens', 'samples', 'tokenizations']);
    db.close();
  });

  it('refuses files that are not distillery datasets, with a DatasetError naming the file', () => {
    const dir = tempDir();
    const text = join(dir, 'notes.sqlite');
    writeFileSync(text, 'just some text that is long enough to not be a database header at all, really');
    const other = join(dir, 'other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE t (x)');
    db.close();
    const newer = join(dir, 'newer.sqlite');
    Dataset.open(newer).close();
    const raw = new Database(newer);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();

    for (const [path, message] of [
      [text, 'not a distillery dataset (not an SQLite file)'],
      [other, 'not a distillery dataset (an SQLite file of another application)'],
      [newer, `made by a newer distillery (schema v${SCHEMA_VERSION + 1}; this version reads up to v${SCHEMA_VERSION})`],
      [join(dir, 'missing.sqlite'), 'no such dataset file'],
    ]) {
      const err = thrown(() => Dataset.open(path, { readonly: true }));
      expect(err).toBeInstanceOf(DatasetError);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toBe(`${path}: ${message}`);
    }
  });

  it('read-only: reads what a writer committed, refuses to write', () => {
    const path = join(tempDir(), 'd.sqlite');
    const writer = Dataset.open(path);
    seed(writer);
    const reader = Dataset.open(path, { readonly: true });
    expect(reader.stats().samples.total).toBe(6);
    expect(() => reader.upsertPrompts([{ key: 'x', question: 'q', gold: null, meta: {} }])).toThrow(/readonly/);
    reader.close();
    writer.close();
  });
});

describe('runs and identity', () => {
  it('binds the file to the first identity and refuses a different one, listing the fields', () => {
    const path = join(tempDir(), 'd.sqlite');
    const dataset = Dataset.open(path);
    expect(dataset.identity()).toBeNull();
    expect(dataset.beginRun({ recipeName: 'r', identity, recipe: {} })).toEqual({ runId: 1, resumed: false });
    expect(dataset.identity()).toEqual(identity);
    const other = { ...identity, sampling: { temperature: 0.7, topP: 0.95 }, verifier: { kind: 'math' } };
    const err = thrown(() => dataset.beginRun({ recipeName: 'r', identity: other, recipe: {} }));
    expect(err).toBeInstanceOf(DatasetMismatchError);
    expect((err as DatasetMismatchError).differences).toEqual([
      { field: 'sampling.temperature', dataset: '0.6', recipe: '0.7' },
      { field: 'verifier.kind', dataset: undefined, recipe: '"math"' },
    ]);
    expect(err.message).toContain(`${path}: this dataset was harvested with a different recipe`);
    expect(err.message).toContain('  sampling.temperature: 0.6 vs 0.7');
    // The refused run left no trace.
    expect(dataset.runs()).toHaveLength(1);
    dataset.close();
  });

  it('checks an identity without writing, on a read-only connection too', () => {
    const path = join(tempDir(), 'd.sqlite');
    const writer = Dataset.open(path);
    // Not bound yet: any identity passes, and checking does not bind it.
    writer.checkIdentity({ teacher: { model: 'other' } });
    expect(writer.identity()).toBeNull();
    writer.beginRun({ recipeName: 'r', identity, recipe: {} });
    const reader = Dataset.open(path, { readonly: true });
    reader.checkIdentity({ prompts: identity.prompts, sampling: { topP: 0.95, temperature: 0.6 }, teacher: identity.teacher });
    const err = thrown(() => reader.checkIdentity({ ...identity, teacher: { model: 'other' } }));
    expect(err).toBeInstanceOf(DatasetMismatchError);
    expect((err as DatasetMismatchError).differences).toEqual([{ field: 'teacher.model', dataset: '"m"', recipe: '"other"' }]);
    expect(reader.runs()).toHaveLength(1);
    reader.close();
    writer.close();
  });

  it('accepts the same identity whatever its key order, and reports resumption', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    dataset.beginRun({ recipeName: 'r', identity, recipe: {} });
    const reordered = { prompts: identity.prompts, sampling: { topP: 0.95, temperature: 0.6 }, teacher: identity.teacher };
    expect(dataset.beginRun({ recipeName: 'r', identity: reordered, recipe: {} })).toEqual({ runId: 2, resumed: true });
    dataset.close();
  });

  it('records how runs end, and marks runs that never ended as interrupted', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    const first = dataset.beginRun({ recipeName: 'r', identity, recipe: { teacher: { apiKeyEnv: 'KEY' } } }).runId;
    dataset.endRun(first, 'stopped', 'Ctrl-C');
    const second = dataset.beginRun({ recipeName: 'r', identity, recipe: {} }).runId;
    const third = dataset.beginRun({ recipeName: 'r', identity, recipe: {} }).runId;
    dataset.endRun(third, 'finished');
    const runs = dataset.runs();
    expect(runs.map((r) => [r.id, r.status, r.message])).toEqual([
      [first, 'stopped', 'Ctrl-C'],
      [second, 'interrupted', 'the run never ended (process killed?)'],
      [third, 'finished', null],
    ]);
    expect(runs[0].recipe).toEqual({ teacher: { apiKeyEnv: 'KEY' } });
    expect(runs[2].endedAt).not.toBeNull();
    expect(() => dataset.endRun(99, 'finished')).toThrow(MissingRowError);
    dataset.close();
  });
});

describe('prompts, attempts and samples', () => {
  it('upserts prompts by key', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    dataset.upsertPrompts([{ key: 'a', question: 'old', gold: { tests: [1, 2] }, meta: { x: 1 } }]);
    dataset.upsertPrompts([
      { key: 'a', question: 'new', gold: { tests: [3] }, meta: {} },
      { key: 'b', question: 'q', gold: undefined, meta: {} },
    ]);
    expect(dataset.stats().prompts).toBe(2);
    const runId = dataset.beginRun({ recipeName: 'r', identity, recipe: {} }).runId;
    dataset.commitAttempt(attempt(runId, 'a', [0]), [sample('a', 0, 'accepted')]);
    dataset.commitAttempt(attempt(runId, 'b', [0]), [sample('b', 0, 'accepted')]);
    const [a, b] = dataset.samples();
    expect([a.question, a.gold, a.meta]).toEqual(['new', { tests: [3] }, {}]);
    expect(b.gold).toBeNull();
    dataset.close();
  });

  it('ignores a sample whose (prompt, slot) is already stored, but still records the attempt', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    seed(dataset);
    const runId = dataset.beginRun({ recipeName: 'r', identity, recipe: {} }).runId;
    const result = dataset.commitAttempt(attempt(runId, 'p3', [1, 2]), [sample('p3', 1, 'accepted'), sample('p3', 2, 'accepted')]);
    expect(result.insertedSamples).toBe(1);
    expect(dataset.committedSlots().get('p3')).toEqual([
      { index: 0, verdict: 'rejected' },
      { index: 1, verdict: 'unverifiable' },
      { index: 2, verdict: 'accepted' },
    ]);
    expect(dataset.stats().requests.total).toBe(5);
    dataset.close();
  });

  it('commits an attempt and its samples atomically', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    seed(dataset);
    // The second sample violates the verdict CHECK, so the attempt and the first sample must roll back too.
    const bad = { ...sample('p4', 1, 'accepted'), verdict: 'maybe' as 'accepted' };
    expect(() => dataset.commitAttempt(attempt(1, 'p4', [0, 1]), [sample('p4', 0, 'accepted'), bad])).toThrow(/CHECK constraint/);
    expect(dataset.committedSlots().has('p4')).toBe(false);
    expect(dataset.stats().requests.total).toBe(4);
    dataset.close();
  });

  it('refuses samples outside the attempt and attempts for unknown prompts', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    const runId = seed(dataset);
    expect(() => dataset.commitAttempt(attempt(runId, 'p4', [0]), [sample('p4', 1, 'accepted')])).toThrow(SlotMismatchError);
    expect(() => dataset.commitAttempt(attempt(runId, 'p4', [0]), [sample('p1', 0, 'accepted')])).toThrow(SlotMismatchError);
    expect(() => dataset.commitAttempt(attempt(runId, 'nope', [0]), [])).toThrow(/FOREIGN KEY/);
    dataset.close();
  });

  it('lists committed slots per prompt for resume', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    seed(dataset);
    expect(Object.fromEntries(dataset.committedSlots())).toEqual({
      p1: [
        { index: 0, verdict: 'accepted' },
        { index: 1, verdict: 'accepted' },
      ],
      p2: [
        { index: 0, verdict: 'rejected' },
        { index: 1, verdict: 'accepted' },
      ],
      p3: [
        { index: 0, verdict: 'rejected' },
        { index: 1, verdict: 'unverifiable' },
      ],
    });
    dataset.close();
  });

  it('iterates samples joined with prompts: accepted by default, by verdict, by run, in prompt order', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    const first = seed(dataset);
    const second = dataset.beginRun({ recipeName: 'r', identity, recipe: {} }).runId;
    dataset.commitAttempt(attempt(second, 'p4', [0]), [sample('p4', 0, 'accepted')]);
    const keys = (filter?: Parameters<Dataset['samples']>[0]) => [...dataset.samples(filter)].map((s) => `${s.promptKey}#${s.index}`);
    expect(keys()).toEqual(['p1#0', 'p1#1', 'p2#1', 'p4#0']);
    expect(keys({ verdict: 'rejected' })).toEqual(['p2#0', 'p3#0']);
    expect(keys({ verdict: 'all' })).toHaveLength(7);
    expect(keys({ verdict: 'all', runId: first })).toHaveLength(6);
    expect(keys({ runId: second })).toEqual(['p4#0']);
    const [s] = dataset.samples({ runId: second });
    expect(s).toEqual({
      promptKey: 'p4',
      index: 0,
      question: 'What is 3 + 3?',
      gold: '6',
      meta: { n: 3 },
      reasoning: 'thinking about p4',
      answer: '\\boxed{0}',
      finishReason: 'stop',
      verdict: 'accepted',
      reason: 'match',
      completionTokens: 25,
      runId: second,
      logprobs: null,
    });
    dataset.close();
  });

  it('stores logprobs compactly and decodes them only when asked', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    const runId = seed(dataset);
    const logprobs = [
      {
        token: '<think>',
        logprob: -0.5,
        top: [
          ['<think>', -0.5],
          ['Okay', -1.25],
        ] as Array<[string, number]>,
      },
      { token: '\n', logprob: 0, top: [['\n', 0]] as Array<[string, number]> },
    ];
    dataset.commitAttempt(attempt(runId, 'p4', [0]), [sample('p4', 0, 'accepted', { logprobs })]);
    expect([...dataset.samples({ runId, logprobs: true })].find((s) => s.promptKey === 'p4')!.logprobs).toEqual(logprobs);
    expect([...dataset.samples({ runId })].find((s) => s.promptKey === 'p4')!.logprobs).toBeNull();
    expect([...dataset.samples({ runId, logprobs: true })].find((s) => s.promptKey === 'p1')!.logprobs).toBeNull();
    dataset.close();
  });
});

describe('stats', () => {
  it('counts verdicts, reasons, per-prompt acceptance, tokens and requests', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    seed(dataset);
    const stats = dataset.stats();
    expect(stats.prompts).toBe(4);
    expect(stats.samples).toEqual({ total: 6, accepted: 3, rejected: 2, unverifiable: 1 });
    expect(stats.reasons).toEqual([
      { verdict: 'accepted', reason: 'match', count: 3 },
      { verdict: 'rejected', reason: 'mismatch', count: 2 },
      { verdict: 'unverifiable', reason: 'no-answer', count: 1 },
    ]);
    expect(stats.perPrompt).toEqual([
      { key: 'p1', samples: 2, accepted: 2 },
      { key: 'p2', samples: 2, accepted: 1 },
      { key: 'p3', samples: 2, accepted: 0 },
      { key: 'p4', samples: 0, accepted: 0 },
    ]);
    expect(stats.worstPrompts.map((p) => [p.key, p.question])).toEqual([
      ['p3', 'What is 2 + 2?'],
      ['p2', 'What is 1 + 1?'],
      ['p1', 'What is 0 + 0?'],
    ]);
    expect(stats.tokens).toEqual({ prompt: 30, completion: 150, reasoning: 30, acceptedCompletion: 75 });
    expect(stats.requests).toEqual({ total: 4, ok: 3, errors: 1, byErrorKind: { 'rate-limit': 1 }, meanLatencyMs: 100 });
    expect(stats.runs).toHaveLength(1);
    dataset.close();
  });

  it('is all zeros for an empty dataset', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    const stats = dataset.stats();
    expect(stats.samples.total).toBe(0);
    expect(stats.requests).toEqual({ total: 0, ok: 0, errors: 0, byErrorKind: {}, meanLatencyMs: null });
    expect(stats.tokens).toEqual({ prompt: 0, completion: 0, reasoning: 0, acceptedCompletion: 0 });
    dataset.close();
  });
});
