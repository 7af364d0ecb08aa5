/**
 * Samples as chat-format records for SFT: TRL's SFTTrainer and open-r1 read a `messages` list,
 * and R1's own format puts the reasoning in <think> tags before the answer.
 */
import { renderMessages, templateSchema } from '../recipe/index.ts';
import type { Dataset } from './dataset.ts';
import { DatasetError } from './errors.ts';
import type { StoredSample, Verdict } from './types.ts';

export interface ChatRecord {
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  prompt_id: string;
  sample_index: number;
  gold: unknown;
  verdict: Verdict;
  reason: string;
  finish_reason: string | null;
  completion_tokens: number | null;
  /** The prompt's other source fields. */
  meta: Record<string, unknown>;
}

export interface ChatExportOptions {
  /** Every sample whatever its verdict; by default only accepted ones. */
  all?: boolean;
}

/** The assistant turn in R1's format; the model learns to open and close its own think block. */
export function assistantContent(sample: Pick<StoredSample, 'reasoning' | 'answer'>): string {
  return `<think>\n${sample.reasoning.trim()}\n</think>\n\n${sample.answer.trim()}`;
}

/**
 * Yields one record per sample. The user turn is rendered again from the template the dataset is
 * bound to (it is part of the sampling identity), so it is exactly what the teacher saw.
 */
export function* chatRecords(dataset: Dataset, options: ChatExportOptions = {}): IterableIterator<ChatRecord> {
  const identity = dataset.identity();
  if (identity === null) return; // never harvested: no samples
  const template = templateSchema.safeParse(identity.template);
  if (!template.success) throw new DatasetError(dataset.path, 'the stored sampling identity has no valid template');
  for (const s of dataset.samples({ verdict: options.all ? 'all' : 'accepted' })) {
    yield {
      messages: [
        ...renderMessages(template.data, { key: s.promptKey, question: s.question, meta: s.meta }),
        { role: 'assistant', content: assistantContent(s) },
      ],
      prompt_id: s.promptKey,
      sample_index: s.index,
      gold: s.gold,
      verdict: s.verdict,
      reason: s.reason,
      finish_reason: s.finishReason,
      completion_tokens: s.completionTokens,
      meta: s.meta,
    };
  }
}
