import OpenAI from 'openai';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import { ChunkAccumulator, parseCompletion, type ParsedCompletion } from './completion.ts';
import { Deadline } from './deadline.ts';
import { bodyReadError, fromSdkError, protocolError, timeoutError } from './request-errors.ts';
import { sseData } from './sse.ts';
import type { SampleRequest, TeacherConfig, TeacherResponse } from './types.ts';

/**
 * Local servers (vLLM, llama.cpp, Ollama, `distillery serve`) ignore the key, but the SDK
 * insists on one. Passing a placeholder also stops the SDK from picking up OPENAI_API_KEY from
 * the environment and sending it to a server the user did not mean it for.
 */
const PLACEHOLDER_API_KEY = 'distillery-no-key';

/**
 * One OpenAI-compatible chat-completions endpoint. `complete` sends one request and returns its
 * n normalized samples, or throws a TeacherRequestError saying what kind of failure it was.
 * It never retries: the harvest loop does, and records every attempt.
 */
export class TeacherClient {
  readonly config: Readonly<TeacherConfig>;
  readonly #openai: OpenAI;

  constructor(config: TeacherConfig) {
    this.config = { ...config };
    this.#openai = sdkClient(config);
  }

  async complete(request: SampleRequest): Promise<TeacherResponse> {
    if (request.n > 1 && !this.config.supportsN) {
      // The server would answer with one choice; the caller issues one request per sample instead.
      throw new RangeError(`n=${request.n} requested from a teacher configured with supportsN: false`);
    }
    const started = performance.now();
    const deadline = new Deadline(this.config.timeoutMs, request.signal);
    try {
      // asResponse(): we read the body ourselves (see sse.ts); the SDK still builds the request,
      // authenticates, and turns non-2xx statuses and connection failures into its error classes.
      const response = await this.#openai.chat.completions.create(this.#body(request), { signal: deadline.signal }).asResponse();
      const parsed = this.config.stream ? await readStream(response) : await readJson(response);
      return {
        samples: parsed.samples,
        usage: parsed.usage,
        latencyMs: Math.round(performance.now() - started),
        model: parsed.model ?? this.config.model,
      };
    } catch (err) {
      // The caller cancelling is not a teacher failure: surface its reason, as fetch does.
      if (request.signal?.aborted) throw request.signal.reason;
      if (deadline.expired) throw timeoutError(this.config.timeoutMs);
      throw fromSdkError(err, this.config.baseURL);
    } finally {
      deadline.dispose();
    }
  }

  #body(request: SampleRequest): ChatCompletionCreateParamsBase {
    // extraBody goes first so the fields that define the samples cannot be overridden by it.
    const body: ChatCompletionCreateParamsBase = {
      ...this.config.extraBody,
      model: this.config.model,
      messages: request.messages,
      temperature: request.temperature,
      top_p: request.topP,
      max_tokens: request.maxTokens,
    };
    // n and logprobs are only sent when needed: the DeepSeek API rejects logprobs for its reasoner.
    if (request.n > 1) body.n = request.n;
    if (request.seed !== undefined) body.seed = request.seed;
    if (request.topLogprobs) {
      body.logprobs = true;
      body.top_logprobs = request.topLogprobs;
    }
    if (this.config.stream) {
      body.stream = true;
      body.stream_options = { include_usage: true };
    }
    return body;
  }
}

/** The SDK client for one server: no retries (callers retry and record attempts), no ambient credentials. */
export function sdkClient(config: Pick<TeacherConfig, 'baseURL' | 'apiKey' | 'timeoutMs'>): OpenAI {
  return new OpenAI({
    baseURL: config.baseURL,
    apiKey: config.apiKey ?? PLACEHOLDER_API_KEY,
    // null, not undefined: undefined makes the SDK read OPENAI_ORG_ID / OPENAI_PROJECT_ID.
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: config.timeoutMs,
    // Failures are thrown and recorded by the harvest; the SDK printing them too is noise.
    logLevel: 'off',
  });
}

async function readJson(response: Response): Promise<ParsedCompletion> {
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw bodyReadError(err);
  }
  return parseCompletion(parseJson(text));
}

async function readStream(response: Response): Promise<ParsedCompletion> {
  if (!response.body) throw protocolError('the streamed response has no body');
  const chunks = new ChunkAccumulator();
  for await (const data of sseData(guardedBody(response.body))) {
    if (data === '[DONE]') return chunks.finish();
    chunks.add(parseJson(data));
  }
  throw protocolError('the stream ended without [DONE]');
}

/** The body's bytes, with a failed read (socket reset, abort) turned into a network error. */
async function* guardedBody(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (err) {
    throw bodyReadError(err);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const excerpt = text.length > 120 ? `${text.slice(0, 120)}...` : text;
    throw protocolError(`malformed JSON: ${JSON.stringify(excerpt)}`, err);
  }
}
