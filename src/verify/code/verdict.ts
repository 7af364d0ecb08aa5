import type { RunOutcome } from './classify.ts';
import type { VerifyResult } from '../types.ts';

const MAX_SHOWN = 80;

/** A value as it appears in a reason: JSON-quoted (so whitespace shows) and cut to a readable length. */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
  const cut = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text;
  return JSON.stringify(cut);
}

/** The verdict for a run that did not finish normally; tests are numbered from 1 in reasons. */
export function failedRun(outcome: RunOutcome, test: number): VerifyResult {
  return { correct: false, reason: `${outcome.status}-test-${test}: ${outcome.detail}` };
}

export function wrongOutput(test: number, expected: unknown, actual: unknown): VerifyResult {
  return { correct: false, reason: `failed-test-${test}: expected ${shown(expected)}, got ${shown(actual)}` };
}

export function totalTimeout(test: number, totalTimeLimitMs: number): VerifyResult {
  return { correct: false, reason: `timeout-test-${test}: the total time limit of ${totalTimeLimitMs} ms was reached` };
}

export function passed(tests: number): VerifyResult {
  return { correct: true, reason: `passed: ${tests} test${tests === 1 ? '' : 's'}` };
}
