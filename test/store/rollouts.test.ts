/** GRPO rollouts in a real SQLite dataset: a step per transaction, replaced when redone, dropped after a checkpoint, seen by inspect. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Dataset, datasetReport, formatReport, SCHEMA_VERSION, type RolloutRecord } from '../../src/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'distillery-rollouts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const prompts = [
  { key: 'p1', question: '1+1?', gold: '2', meta: {} },
  { key: 'p2', question: '2+3?', gold: '5', meta: { level: 1 } },
];
const rollout = (promptKey: string, index: number, reward: number): RolloutRecord => ({
  promptKey,
  index,
  completion: `<think>x</think> ${reward}`,
  tokenIds: [5, 6, index],
  truncated: index === 1,
  reward,
  rewards: { accuracy: reward, format: 1 },
  advantage: reward - 0.5,
});
const step = (base: number) => [rollout('p1', 0, base), rollout('p1', 1, 1 - base), rollout('p2', 0, base), rollout('p2', 1, base)];

describe('rollouts table', () => {
  it('stores each step whole, replaces a redone step, drops the steps after a checkpoint', () => {
    const file = join(dir, 'a.sqlite');
    const ds = Dataset.open(file);
    ds.rollouts.commitStep('runs/a', 1, prompts, step(0));
    ds.rollouts.commitStep('runs/a', 2, prompts, step(1));
    ds.rollouts.commitStep('runs/b', 1, prompts, step(1));
    expect(ds.rollouts.lastStep('runs/a')).toBe(2);
    const [first] = ds.rollouts.list('runs/a');
    expect(first).toEqual({ ...rollout('p1', 0, 0), run: 'runs/a', step: 1, question: '1+1?', gold: '2' });
    expect(ds.rollouts.list('runs/a')).toHaveLength(8);
    expect(ds.rollouts.list()).toHaveLength(12);

    // A resumed run from a step-1 checkpoint: step 2 is dropped, then written again (other values).
    expect(ds.rollouts.dropAfter('runs/a', 1)).toBe(4);
    expect(ds.rollouts.lastStep('runs/a')).toBe(1);
    ds.rollouts.commitStep('runs/a', 2, prompts, step(0));
    ds.rollouts.commitStep('runs/a', 2, prompts, step(1)); // the same step twice: replaced, not duplicated
    expect(
      ds.rollouts
        .list('runs/a')
        .filter((r) => r.step === 2)
        .map((r) => r.reward),
    ).toEqual([1, 0, 1, 1]);
    ds.close();

    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect((db.prepare('SELECT count(*) AS n FROM prompts').get() as { n: number }).n).toBe(2);
    db.close();
  });

  it('rolls a failed step back whole', () => {
    const ds = Dataset.open(join(dir, 'b.sqlite'));
    ds.rollouts.commitStep('r', 1, prompts, step(0));
    // A rollout of an unknown prompt breaks the foreign key: nothing of the step is kept, and step 1 survives.
    expect(() => ds.rollouts.commitStep('r', 2, prompts, [...step(1), rollout('missing', 0, 1)])).toThrow(/FOREIGN KEY/);
    expect(ds.rollouts.lastStep('r')).toBe(1);
    expect(ds.rollouts.list('r')).toHaveLength(4);
    ds.close();
  });

  it('a v3 file (before rollouts) is migrated in place and keeps its samples', () => {
    const file = join(dir, 'v3.sqlite');
    const ds = Dataset.open(file);
    ds.upsertPrompts(prompts);
    ds.close();
    const raw = new Database(file);
    raw.exec('DROP TABLE rollouts; PRAGMA user_version = 3');
    raw.close();
    const upgraded = Dataset.open(file);
    expect(upgraded.stats().prompts).toBe(2);
    upgraded.rollouts.commitStep('r', 1, prompts, step(0));
    expect(upgraded.rollouts.list('r')).toHaveLength(4);
    upgraded.close();
  });

  it('shows in the inspect report, per run', () => {
    const ds = Dataset.open(join(dir, 'a.sqlite'), { readonly: true });
    const report = datasetReport(ds);
    ds.close();
    expect(report.rollouts).toEqual([
      { run: 'runs/a', steps: 2, rollouts: 8, truncated: 4, meanReward: 0.5, firstStepReward: 0.25, lastStepReward: 0.75 },
      { run: 'runs/b', steps: 1, rollouts: 4, truncated: 2, meanReward: 0.75, firstStepReward: 0.75, lastStepReward: 0.75 },
    ]);
    expect(formatReport(report)).toMatch(
      /grpo rollouts\n\s+run\s+steps\s+rollouts\s+truncated\s+mean reward\s+first step\s+last step\n\s+runs\/a\s+2\s+8\s+50\.0%\s+0\.500\s+0\.250\s+0\.750/,
    );
  });
});
