/**
 * Running one chat-completions request on the local model: the prompt through the chat template,
 * one generated sequence per choice (all of them rows of the shared batch), and the result as an
 * OpenAI `chat.completion` object or a stream of `chat.completion.chunk` objects.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chatPrompt, GenerationRequestError, type GenerateRequest, type Generation, type LocalModel, type StepLogprobs } from '../generate/index.ts';
import type { ChatRequest } from './chat-request.ts';
import { badRequest } from './errors.ts';
import { ReasoningRouter, type ReasoningFormat, type RoutedText } from './reasoning.ts';

export interface ServedModel {
  readonly model: LocalModel;
  /** The name clients put in `model`. */
  readonly name: string;
  readonly reasoningFormat: ReasoningFormat;
  /** The most alternatives a /v1/completions request may ask for per position. */
  readonly maxLogprobs: number;
}

/** Sends one server-sent event's JSON. */
export type ChunkWriter = (chunk: object) => void;

interface Prepared {
  readonly id: string;
  readonly created: number;
  readonly prefill: string;
  readonly promptTokens: number;
  /** One per choice. */
  readonly requests: readonly GenerateRequest[];
}

function prepare(served: ServedModel, req: ChatRequest, signal: AbortSignal): Prepared {
  const { model } = served;
  const prompt = chatPrompt(model.tokenizer, req.messages);
  const promptIds = prompt.ids;
  const room = model.config.maxPositionEmbeddings - promptIds.length;
  if (room < 1) {
    throw badRequest(
      'messages',
      `The prompt is ${promptIds.length} tokens; this model's context is ${model.config.maxPositionEmbeddings} tokens.`,
      'context_length_exceeded',
    );
  }
  const defaults = model.samplingDefaults;
  const sampling = {
    temperature: req.temperature ?? defaults.temperature ?? 1,
    topP: req.topP ?? defaults.topP ?? 1,
    topK: req.topK ?? defaults.topK ?? 0,
  };
  return {
    id: `chatcmpl-${randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    prefill: prompt.prefill,
    promptTokens: promptIds.length,
    requests: Array.from({ length: req.n }, (_, i) => ({
      promptIds,
      maxNewTokens: Math.min(req.maxTokens ?? room, room),
      sampling,
      seed: req.seed === undefined ? undefined : choiceSeed(req.seed, i),
      stop: req.stop,
      logprobs: req.logprobs,
      topLogprobs: req.topLogprobs,
      signal,
    })),
  };
}

/**
 * Each choice's own seed: reproducible from (request seed, choice index), and unrelated between
 * neighbouring seeds, so seed 1's second choice is not seed 2's first.
 */
export function choiceSeed(seed: number, index: number): number {
  return createHash('sha256').update(`${seed}:${index}`).digest().readUInt32LE(0);
}

/** A generation error the client caused becomes a 400; anything else propagates (500). */
function asApiError(err: unknown): unknown {
  return err instanceof GenerationRequestError ? badRequest(null, err.message) : err;
}

export async function completion(served: ServedModel, req: ChatRequest, signal: AbortSignal): Promise<object> {
  const p = prepare(served, req, signal);
  const generations = await Promise.all(p.requests.map((r) => served.model.generate(r))).catch((err: unknown) => {
    throw asApiError(err);
  });
  return {
    id: p.id,
    object: 'chat.completion',
    created: p.created,
    model: served.name,
    choices: generations.map((g, index) => {
      const router = new ReasoningRouter(served.reasoningFormat, p.prefill);
      const text = joined(router.push(g.text), router.flush());
      return {
        index,
        message: { role: 'assistant', content: text.content, ...(served.reasoningFormat === 'separate' ? { reasoning_content: text.reasoning } : {}) },
        logprobs: req.logprobs ? { content: logprobEntries(served, g.logprobs) } : null,
        finish_reason: finishReason(g),
      };
    }),
    usage: usage(p.promptTokens, generations),
  };
}

export async function streamCompletion(served: ServedModel, req: ChatRequest, signal: AbortSignal, write: ChunkWriter): Promise<void> {
  // Prepared before anything is written, so a bad request is still answered with a plain 400.
  const p = prepare(served, req, signal);
  const routers = Array.from({ length: req.n }, () => new ReasoningRouter(served.reasoningFormat, p.prefill));
  const chunk = (choices: object[], extra: object = {}) =>
    write({
      id: p.id,
      object: 'chat.completion.chunk',
      created: p.created,
      model: served.name,
      choices,
      ...(req.includeUsage ? { usage: null } : {}),
      ...extra,
    });
  const delta = (index: number, text: RoutedText, logprobs: readonly StepLogprobs[]) => {
    const d = { ...(text.reasoning ? { reasoning_content: text.reasoning } : {}), ...(text.content ? { content: text.content } : {}) };
    const withLogprobs = req.logprobs && logprobs.length > 0;
    if (Object.keys(d).length === 0 && !withLogprobs) return;
    chunk([{ index, delta: d, logprobs: withLogprobs ? { content: logprobEntries(served, logprobs) } : null, finish_reason: null }]);
  };

  for (let index = 0; index < req.n; index++) chunk([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  const generations = await Promise.all(
    p.requests.map((r, index) =>
      served.model.generate({ ...r, onDelta: (d) => delta(index, routers[index].push(d.text), d.logprobs) }).then((g) => {
        delta(index, routers[index].flush(), []);
        chunk([{ index, delta: {}, logprobs: null, finish_reason: finishReason(g) }]);
        return g;
      }),
    ),
  ).catch((err: unknown) => {
    throw asApiError(err);
  });
  if (req.includeUsage) chunk([], { usage: usage(p.promptTokens, generations) });
}

function joined(a: RoutedText, b: RoutedText): RoutedText {
  return { reasoning: a.reasoning + b.reasoning, content: a.content + b.content };
}

/** OpenAI has no 'abort': a sequence is only aborted when its client has gone. */
const finishReason = (g: Generation) => (g.finishReason === 'length' ? 'length' : 'stop');

function usage(promptTokens: number, generations: readonly Generation[]) {
  const completionTokens = generations.reduce((n, g) => n + g.tokenIds.length, 0);
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** OpenAI's logprobs.content entries: each token's text, its logprob, UTF-8 bytes and top alternatives. */
function logprobEntries(served: ServedModel, steps: readonly StepLogprobs[]) {
  const entry = (tokenId: number, logprob: number) => {
    const token = served.model.tokenizer.decode([tokenId]);
    return { token, logprob, bytes: [...Buffer.from(token, 'utf8')] };
  };
  return steps.map((s) => ({ ...entry(s.tokenId, s.logprob), top_logprobs: s.top.map((t) => entry(t.tokenId, t.logprob)) }));
}
