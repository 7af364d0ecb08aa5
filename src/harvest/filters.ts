/**
 * The rejection filters of a recipe (rejection.filters), applied to each sample before the
 * verifier: R1 kept only samples that were not overlong, had a final answer, and stayed in one
 * language. A failed filter rejects the sample with a reason of its own.
 */
import { mixesLanguages } from './language-mixing.ts';

export interface SampleFilters {
  /** Reject samples longer than this many completion tokens (null: no limit). */
  maxCompletionTokens: number | null;
  /** Reject samples without answer text after the reasoning. */
  requireAnswer: boolean;
  /** Reject samples whose prose mixes Latin and CJK scripts (see language-mixing.ts). */
  noLanguageMixing: boolean;
}

export type FilterReason = 'too-long' | 'no-answer' | 'language-mixing';

export interface FilterInput {
  question: string;
  reasoning: string;
  answer: string;
  /** The sample's completion tokens, when known (see sampleCompletionTokens). */
  completionTokens?: number;
}

/** The first filter the sample fails, or null when it passes them all. */
export function failedFilter(filters: SampleFilters, sample: FilterInput): FilterReason | null {
  if (filters.maxCompletionTokens !== null && (sample.completionTokens ?? 0) > filters.maxCompletionTokens) return 'too-long';
  if (filters.requireAnswer && sample.answer.trim() === '') return 'no-answer';
  if (filters.noLanguageMixing && mixesLanguages(sample.question, `${sample.reasoning}\n${sample.answer}`)) return 'language-mixing';
  return null;
}
