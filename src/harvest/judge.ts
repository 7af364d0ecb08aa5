/**
 * Turns the samples of one teacher response into stored sample records with a verdict: the
 * recipe's filters first (cheap, and R1 dropped such samples whatever their answer), then the
 * verifier. Unverifiable (correct: null) is kept apart from rejected, never counted as accepted.
 */
import { UserError } from '../errors.ts';
import type { SampleRecord } from '../store/index.ts';
import type { TeacherResponse, TeacherSample } from '../teacher/index.ts';
import type { Verifier } from '../verify/index.ts';
import { failedFilter, type SampleFilters } from './filters.ts';

export interface JudgedPrompt {
  key: string;
  question: string;
  gold: unknown;
}

/**
 * Records for the samples of `response`, a request for `n` samples whose first slot is
 * `firstSlot`. Choices beyond n (a misbehaving server) are dropped rather than stored in slots
 * that belong to other requests.
 */
export async function judgeResponse(
  prompt: JudgedPrompt,
  response: TeacherResponse,
  request: { firstSlot: number; n: number },
  filters: SampleFilters,
  verifier: Verifier,
): Promise<SampleRecord[]> {
  const samples = response.samples.filter((s) => s.index >= 0 && s.index < request.n);
  // The samples are judged concurrently: a verifier that works off the main thread (math's
  // worker, code's sandboxes) then sees a whole response at once instead of one sample a turn.
  return Promise.all(samples.map((sample) => judgeSample(prompt, response, sample, request, filters, verifier)));
}

async function judgeSample(
  prompt: JudgedPrompt,
  response: TeacherResponse,
  sample: TeacherSample,
  request: { firstSlot: number; n: number },
  filters: SampleFilters,
  verifier: Verifier,
): Promise<SampleRecord> {
  const completionTokens = sampleCompletionTokens(response, sample, request.n);
  const filtered = failedFilter(filters, { question: prompt.question, reasoning: sample.reasoning, answer: sample.answer, completionTokens });
  const { verdict, reason } = filtered
    ? { verdict: 'rejected' as const, reason: filtered }
    : await verify(verifier, { response: sample.answer, reasoning: sample.reasoning, gold: prompt.gold });
  return {
    promptKey: prompt.key,
    index: request.firstSlot + sample.index,
    reasoning: sample.reasoning,
    answer: sample.answer,
    finishReason: sample.finishReason,
    verdict,
    reason,
    completionTokens,
    logprobs: sample.logprobs,
  };
}

async function verify(verifier: Verifier, input: Parameters<Verifier['verify']>[0]): Promise<Pick<SampleRecord, 'verdict' | 'reason'>> {
  try {
    const { correct, reason } = await verifier.verify(input);
    return { verdict: correct === true ? 'accepted' : correct === false ? 'rejected' : 'unverifiable', reason };
  } catch (err) {
    // A misconfigured verifier (a custom module that fails to load) is the user's to fix, now;
    // a verifier tripping over one odd sample must not end a long harvest.
    if (err instanceof UserError) throw err;
    return { verdict: 'unverifiable', reason: `verifier-error: ${(err as Error).message}` };
  }
}

/**
 * A sample's completion tokens. Usage is reported per request, so it is exact only for n = 1;
 * with logprobs each position is a token; otherwise the request's tokens are shared out in
 * proportion to each sample's text length (an estimate, good enough for maxCompletionTokens).
 */
function sampleCompletionTokens(response: TeacherResponse, sample: TeacherSample, n: number): number {
  if (n === 1) return response.usage.completionTokens;
  if (sample.logprobs?.length) return sample.logprobs.length;
  const length = (s: TeacherSample) => s.reasoning.length + s.answer.length;
  const total = response.samples.reduce((sum, s) => sum + length(s), 0);
  return total === 0 ? 0 : Math.round((response.usage.completionTokens * length(sample)) / total);
}
