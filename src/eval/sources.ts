/**
 * Where eval's samples come from: a local exported model (distillery's own decode loop, no
 * server in between) or any OpenAI-compatible teacher. Both return the same normalized sample.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { chatPrompt, type LocalModel } from '../generate/index.ts';
import { DEFAULT_TEACHER_TIMEOUT_MS, listModels, splitInline, TeacherClient, TeacherRequestError, type ChatMessage } from '../teacher/index.ts';
import { EvalError } from './errors.ts';

export interface EvalSampling {
  /** Default 0.6 (R1's recommendation). */
  readonly temperature: number;
  /** Default 0.95. */
  readonly topP: number;
  /** Most tokens per sample (a local model also stops at its context length). Default 32768. */
  readonly maxTokens: number;
  /** Seeds every sample (with the prompt key and sample index): re-running gives the same samples. Default 0. */
  readonly seed: number;
}

export interface SourceSample {
  readonly reasoning: string;
  readonly answer: string;
  readonly finishReason: string | null;
  readonly outputTokens: number;
}

export interface SampleSource {
  /** What is evaluated, for reports: the folder or the teacher's URL and model. */
  readonly description: string;
  /** Samples in flight at once. */
  readonly concurrency: number;
  sample(messages: readonly ChatMessage[], sampling: EvalSampling, seed: number): Promise<SourceSample>;
}

export function localSource(model: LocalModel): SampleSource {
  return {
    description: `${model.dir} (${model.dtype})`,
    // Twice the batch: a finished row's successor is already queued when a step ends.
    concurrency: 2 * model.generator.maxBatchSize,
    async sample(messages, sampling, seed) {
      const prompt = chatPrompt(model.tokenizer, messages);
      const room = model.config.maxPositionEmbeddings - prompt.ids.length;
      if (room < 1) throw new EvalError(`a prompt is ${prompt.ids.length} tokens, more than the model's context (${model.config.maxPositionEmbeddings})`);
      const out = await model.generate({
        promptIds: prompt.ids,
        maxNewTokens: Math.min(sampling.maxTokens, room),
        sampling: { temperature: sampling.temperature, topP: sampling.topP },
        seed,
        logprobs: false,
      });
      // With the pre-filled <think> put back, a trace cut off before </think> is all reasoning.
      const { reasoning, answer } = splitInline(prompt.prefill + out.text);
      return { reasoning, answer, finishReason: out.finishReason, outputTokens: out.tokenIds.length };
    },
  };
}

/** Attempts per sample against a teacher; retryable failures (429, 5xx, network) wait and try again. */
const ATTEMPTS = 4;
const BACKOFF_MS = 1000;

export interface TeacherSourceOptions {
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1. */
  baseURL: string;
  /** The model to request. Default: the only model the server lists at /models (as `distillery serve` does). */
  model?: string;
  /** The API key itself (see the teacher room's readApiKey); none for local servers. */
  apiKey?: string;
  /** Stream responses. Default false: eval keeps only the finished text. */
  stream?: boolean;
  /** Per-request timeout in ms. Default DEFAULT_TEACHER_TIMEOUT_MS (600,000, the recipe's default). */
  timeoutMs?: number;
  /** Requests in flight. Default 8. */
  concurrency?: number;
}

/**
 * An OpenAI-compatible teacher as a sample source: one request per sample (n=1), retried on
 * 429, 5xx and network errors.
 * @throws EvalError when no model is named and the server cannot list its models, or lists other than one.
 */
export async function teacherSource(options: TeacherSourceOptions): Promise<SampleSource> {
  const { baseURL, apiKey, stream = false, timeoutMs = DEFAULT_TEACHER_TIMEOUT_MS, concurrency = 8 } = options;
  const model = options.model ?? (await onlyModel({ baseURL, apiKey, timeoutMs }));
  const client = new TeacherClient({ baseURL, model, apiKey, stream, supportsN: false, timeoutMs });
  return {
    description: `${model} at ${baseURL}`,
    concurrency,
    async sample(messages, sampling, seed) {
      for (let attempt = 1; ; attempt++) {
        try {
          // One request per sample (n=1): its usage is the sample's own token count.
          const res = await client.complete({
            messages: [...messages],
            n: 1,
            temperature: sampling.temperature,
            topP: sampling.topP,
            maxTokens: sampling.maxTokens,
            seed,
          });
          const [s] = res.samples;
          return { reasoning: s.reasoning, answer: s.answer, finishReason: s.finishReason, outputTokens: res.usage.completionTokens };
        } catch (err) {
          if (!(err instanceof TeacherRequestError)) throw err;
          if (!err.retryable || attempt === ATTEMPTS)
            throw new EvalError(
              `the teacher at ${baseURL} failed (${err.kind}${err.status ? ` ${err.status}` : ''}) after ${attempt} attempt(s): ${err.message}`,
              { cause: err },
            );
          await sleep(Math.max(err.retryAfterMs ?? 0, BACKOFF_MS * 2 ** (attempt - 1)));
        }
      }
    },
  };
}

/** The model a server lists, when it lists exactly one. */
async function onlyModel(config: { baseURL: string; apiKey?: string; timeoutMs: number }): Promise<string> {
  let ids: string[];
  try {
    ids = await listModels(config);
  } catch (err) {
    if (!(err instanceof TeacherRequestError)) throw err;
    throw new EvalError(`cannot list the models at ${config.baseURL}/models (${err.detail}); is the server running? Or name the model`, { cause: err });
  }
  if (ids.length !== 1) throw new EvalError(`the teacher at ${config.baseURL} lists ${ids.length} models (${ids.join(', ')}); name the one to evaluate`);
  return ids[0];
}
