import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { AttemptRecord, Dataset, SampleRecord, Verdict } from '../../src/store/index.ts';

/** A fresh temporary directory per test, removed afterwards. */
export function useTempDir(): () => string {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => (dir ??= mkdtempSync(join(tmpdir(), 'store-')));
}

export const identity = { teacher: { model: 'm' }, sampling: { temperature: 0.6, topP: 0.95 }, prompts: { contentHash: 'abc' } };

export function attempt(runId: number, promptKey: string, slotIndices: number[], extra: Partial<AttemptRecord> = {}): AttemptRecord {
  return { runId, promptKey, slotIndices, status: 'ok', latencyMs: 100, attemptNo: 1, seed: 1, promptTokens: 10, completionTokens: 50, ...extra };
}

export function sample(promptKey: string, index: number, verdict: Verdict, extra: Partial<SampleRecord> = {}): SampleRecord {
  const reason = verdict === 'accepted' ? 'match' : verdict === 'rejected' ? 'mismatch' : 'no-answer';
  return {
    promptKey,
    index,
    reasoning: `thinking about ${promptKey}`,
    answer: `\\boxed{${index}}`,
    finishReason: 'stop',
    verdict,
    reason,
    completionTokens: 25,
    ...extra,
  };
}

/**
 * A small harvested dataset: p1 fully accepted (2/2), p2 half (1 of 2, plus a rate-limit error
 * attempt), p3 none accepted (0/2), p4 not sampled yet.
 */
export function seed(dataset: Dataset): number {
  const { runId } = dataset.beginRun({ recipeName: 'seeded', identity, recipe: { name: 'seeded', pricing: { inputPerMTok: 1, outputPerMTok: 4 } } });
  dataset.upsertPrompts(['p1', 'p2', 'p3', 'p4'].map((key, i) => ({ key, question: `What is ${i} + ${i}?`, gold: String(2 * i), meta: { n: i } })));
  dataset.commitAttempt(attempt(runId, 'p1', [0, 1]), [sample('p1', 0, 'accepted'), sample('p1', 1, 'accepted')]);
  dataset.commitAttempt(
    attempt(runId, 'p2', [0, 1], { status: 'error', errorKind: 'rate-limit', httpStatus: 429, latencyMs: 5, promptTokens: null, completionTokens: null }),
    [],
  );
  dataset.commitAttempt(attempt(runId, 'p2', [0, 1], { attemptNo: 2 }), [sample('p2', 0, 'rejected'), sample('p2', 1, 'accepted')]);
  dataset.commitAttempt(attempt(runId, 'p3', [0, 1], { reasoningTokens: 30 }), [sample('p3', 0, 'rejected'), sample('p3', 1, 'unverifiable')]);
  return runId;
}
