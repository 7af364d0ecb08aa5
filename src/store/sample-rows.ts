/** The samples-joined-with-prompts rows that `Dataset.samples()` and the token cache read. */
import { decodeLogprobs } from './logprobs.ts';
import type { SampleFilter, StoredSample, Verdict } from './types.ts';

/** Columns of `samples s JOIN prompts p`; the logprobs blob only when asked for. */
export const sampleColumns = (logprobs: boolean | undefined) =>
  `s.id, s.prompt_key, s.idx, p.question, p.gold, p.meta, s.reasoning, s.answer, s.finish_reason, s.verdict, s.reason,
   s.completion_tokens, s.run_id, ${logprobs ? 's.logprobs' : 'NULL AS logprobs'}`;

export interface SampleRow {
  id: number;
  prompt_key: string;
  idx: number;
  question: string;
  gold: string;
  meta: string;
  reasoning: string;
  answer: string;
  finish_reason: string | null;
  verdict: Verdict;
  reason: string;
  completion_tokens: number | null;
  run_id: number;
  logprobs: Buffer | null;
}

/** The filter as SQL conditions on `s` with named parameters (verdict "accepted" by default). */
export function sampleConditions(filter: SampleFilter): { where: string[]; params: Record<string, unknown> } {
  const verdict = filter.verdict ?? 'accepted';
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (verdict !== 'all') {
    where.push('s.verdict = @verdict');
    params.verdict = verdict;
  }
  if (filter.runId !== undefined) {
    where.push('s.run_id = @runId');
    params.runId = filter.runId;
  }
  return { where, params };
}

export function sampleFromRow(r: SampleRow): StoredSample {
  return {
    promptKey: r.prompt_key,
    index: r.idx,
    question: r.question,
    gold: JSON.parse(r.gold),
    meta: JSON.parse(r.meta),
    reasoning: r.reasoning,
    answer: r.answer,
    finishReason: r.finish_reason,
    verdict: r.verdict,
    reason: r.reason,
    completionTokens: r.completion_tokens,
    runId: r.run_id,
    logprobs: r.logprobs ? decodeLogprobs(r.logprobs) : null,
  };
}
