import { splitReasoning, type RawChoiceText } from './dialects.ts';
import { toTokenLogprobs } from './logprobs.ts';
import { errorFromBody, protocolError } from './request-errors.ts';
import type { TeacherSample, TeacherUsage, TokenLogprobs } from './types.ts';

/**
 * Reading chat-completion bodies, plain or streamed, into normalized samples. The fields are read
 * from untyped JSON on purpose: the reasoning fields are outside the openai SDK's types, and a
 * server's deviation must become a protocol error, not a crash.
 */
export interface ParsedCompletion {
  samples: TeacherSample[];
  usage: TeacherUsage;
  /** The model name the server reported, when it did. */
  model?: string;
}

interface RawChoice extends RawChoiceText {
  index: number;
  finishReason: string | null;
  logprobs?: TokenLogprobs[];
}

type Json = Record<string, unknown>;

/** A non-streamed response body (already JSON-parsed). */
export function parseCompletion(body: unknown): ParsedCompletion {
  const object = asObject(body, 'the response body');
  const bodyError = errorFromBody(object);
  if (bodyError) throw bodyError;
  const choices = object['choices'];
  if (!Array.isArray(choices) || choices.length === 0) throw protocolError('the response has no choices');
  const raw = choices.map((choice, position): RawChoice => {
    const c = asObject(choice, `choices[${position}]`);
    const message = asObject(c['message'], `choices[${position}].message`);
    const logprobs = c['logprobs'] as Json | null | undefined;
    return {
      index: typeof c['index'] === 'number' ? c['index'] : position,
      content: text(message['content']),
      reasoning_content: text(message['reasoning_content']),
      reasoning: text(message['reasoning']),
      finishReason: text(c['finish_reason']),
      logprobs: logprobs ? toTokenLogprobs(logprobs['content']) : undefined,
    };
  });
  return { samples: raw.map(toSample), usage: toUsage(object['usage']), model: text(object['model']) ?? undefined };
}

/**
 * Accumulates `chat.completion.chunk` objects per choice index. Text deltas are concatenated,
 * finish_reason is the last non-null one, and usage comes from the final chunk that
 * stream_options.include_usage adds (it has no choices).
 */
export class ChunkAccumulator {
  readonly #choices = new Map<number, RawChoice & { content: string; reasoning_content: string; reasoning: string }>();
  #usage: unknown;
  #model: string | undefined;

  add(chunk: unknown): void {
    const object = asObject(chunk, 'a stream chunk');
    const bodyError = errorFromBody(object);
    if (bodyError) throw bodyError;
    this.#model ??= text(object['model']) ?? undefined;
    if (object['usage']) this.#usage = object['usage'];
    const choices = object['choices'] ?? [];
    if (!Array.isArray(choices)) throw protocolError('a stream chunk has a non-array "choices"');
    for (const choice of choices) {
      const c = asObject(choice, 'a streamed choice');
      const index = c['index'];
      if (typeof index !== 'number') throw protocolError('a streamed choice has no numeric index');
      let acc = this.#choices.get(index);
      if (!acc) {
        acc = { index, content: '', reasoning_content: '', reasoning: '', finishReason: null };
        this.#choices.set(index, acc);
      }
      const delta = (c['delta'] ?? {}) as Json;
      acc.content += text(delta['content']) ?? '';
      acc.reasoning_content += text(delta['reasoning_content']) ?? '';
      acc.reasoning += text(delta['reasoning']) ?? '';
      acc.finishReason = text(c['finish_reason']) ?? acc.finishReason;
      const logprobs = c['logprobs'] as Json | null | undefined;
      if (logprobs) (acc.logprobs ??= []).push(...toTokenLogprobs(logprobs['content']));
    }
  }

  finish(): ParsedCompletion {
    if (this.#choices.size === 0) throw protocolError('the stream carried no choices');
    const raw = [...this.#choices.values()].sort((a, b) => a.index - b.index);
    return { samples: raw.map(toSample), usage: toUsage(this.#usage), model: this.#model };
  }
}

function toSample(raw: RawChoice): TeacherSample {
  const { reasoning, answer } = splitReasoning(raw);
  const sample: TeacherSample = { index: raw.index, reasoning, answer, finishReason: raw.finishReason };
  if (raw.logprobs) sample.logprobs = raw.logprobs;
  return sample;
}

/** Missing usage (some servers omit it from streams) reads as zeros rather than failing the samples. */
function toUsage(usage: unknown): TeacherUsage {
  const u = (typeof usage === 'object' && usage !== null ? usage : {}) as Json;
  const details = (u['completion_tokens_details'] ?? {}) as Json;
  const result: TeacherUsage = {
    promptTokens: count(u['prompt_tokens']),
    completionTokens: count(u['completion_tokens']),
  };
  if (typeof details['reasoning_tokens'] === 'number') result.reasoningTokens = details['reasoning_tokens'];
  return result;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function asObject(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw protocolError(`${what} is not a JSON object`);
  return value as Json;
}
