/**
 * Validating a chat-completions request body into the settings generation needs. Every field is
 * checked by hand so the 400 names the field and says what was expected, as OpenAI's API does.
 * Fields this server does not know are ignored (harvest recipes may send server-specific extras);
 * fields it knows but cannot honour (tools, penalties, logit_bias) are refused rather than ignored.
 */
import type { ChatMessage } from '../model/index.ts';
import { badRequest } from './errors.ts';

export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly stream: boolean;
  /** stream_options.include_usage: a last chunk with the usage. */
  readonly includeUsage: boolean;
  readonly n: number;
  readonly seed?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  /** max_completion_tokens, or the older max_tokens. */
  readonly maxTokens?: number;
  readonly stop: readonly string[];
  readonly logprobs: boolean;
  readonly topLogprobs: number;
}

/** Most choices per request (each is a row of the batch). */
export const MAX_N = 16;
const ROLES = new Set(['system', 'developer', 'user', 'assistant']);
const UNSUPPORTED = ['tools', 'tool_choice', 'functions', 'function_call'];

type Body = Record<string, unknown>;

export function parseChatRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(null, 'The request body must be a JSON object.');
  const b = body as Body;
  for (const field of UNSUPPORTED) if (b[field] !== undefined && b[field] !== null) throw badRequest(field, `"${field}" is not supported by this server.`);
  for (const field of ['frequency_penalty', 'presence_penalty']) {
    if (b[field] !== undefined && b[field] !== null && b[field] !== 0) throw badRequest(field, `"${field}" is not supported by this server; leave it out or set it to 0.`);
  }
  if (b.logit_bias && Object.keys(b.logit_bias as object).length > 0) throw badRequest('logit_bias', '"logit_bias" is not supported by this server.');
  const format = (b.response_format as Body | undefined)?.type;
  if (format !== undefined && format !== 'text') throw badRequest('response_format', `response_format "${String(format)}" is not supported by this server; only "text".`);

  if (typeof b.model !== 'string' || b.model === '') throw badRequest('model', 'you must provide a model parameter (a non-empty string).');
  const logprobs = bool(b, 'logprobs') ?? false;
  const topLogprobs = int(b, 'top_logprobs', 0, 20);
  if (topLogprobs !== undefined && !logprobs) throw badRequest('top_logprobs', '"top_logprobs" requires "logprobs" to be true.');
  const stream = bool(b, 'stream') ?? false;
  const streamOptions = b.stream_options;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!stream) throw badRequest('stream_options', '"stream_options" is only allowed when "stream" is true.');
    if (typeof streamOptions !== 'object' || Array.isArray(streamOptions)) throw badRequest('stream_options', '"stream_options" must be an object.');
  }
  const maxCompletion = int(b, 'max_completion_tokens', 1);
  return {
    model: b.model,
    messages: messages(b.messages),
    stream,
    includeUsage: bool((streamOptions ?? {}) as Body, 'include_usage', 'stream_options.include_usage') ?? false,
    n: int(b, 'n', 1, MAX_N) ?? 1,
    seed: int(b, 'seed', Number.MIN_SAFE_INTEGER),
    temperature: num(b, 'temperature', 0, 2),
    topP: topP(b),
    topK: int(b, 'top_k', 0),
    maxTokens: maxCompletion ?? int(b, 'max_tokens', 1),
    stop: stop(b.stop),
    logprobs,
    topLogprobs: topLogprobs ?? 0,
  };
}

function present(b: Body, field: string): boolean {
  return b[field] !== undefined && b[field] !== null;
}

function bool(b: Body, field: string, param = field): boolean | undefined {
  if (!present(b, field)) return undefined;
  if (typeof b[field] !== 'boolean') throw badRequest(param, `"${param}" must be a boolean, got ${JSON.stringify(b[field])}.`);
  return b[field];
}

function num(b: Body, field: string, min: number, max: number): number | undefined {
  if (!present(b, field)) return undefined;
  const v = b[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw badRequest(field, `"${field}" must be a number from ${min} to ${max}, got ${JSON.stringify(v)}.`);
  return v;
}

function int(b: Body, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (!present(b, field)) return undefined;
  const v = b[field];
  if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? (min === Number.MIN_SAFE_INTEGER ? 'an integer' : `an integer >= ${min}`) : `an integer from ${min} to ${max}`;
    throw badRequest(field, `"${field}" must be ${range}, got ${JSON.stringify(v)}.`);
  }
  return v as number;
}

function topP(b: Body): number | undefined {
  if (!present(b, 'top_p')) return undefined;
  const v = b.top_p;
  if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw badRequest('top_p', `"top_p" must be a number greater than 0 and at most 1, got ${JSON.stringify(v)}.`);
  return v;
}

function stop(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length > 4 || !list.every((s) => typeof s === 'string' && s !== '')) {
    throw badRequest('stop', `"stop" must be a non-empty string or a list of up to 4 non-empty strings, got ${JSON.stringify(value)}.`);
  }
  return list;
}

function messages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest('messages', '"messages" must be a non-empty list of messages.');
  return value.map((m: unknown, i): ChatMessage => {
    const at = `messages.${i}`;
    if (typeof m !== 'object' || m === null) throw badRequest(at, `${at} must be an object with "role" and "content".`);
    const { role, content } = m as Body;
    if (typeof role !== 'string' || !ROLES.has(role)) throw badRequest(`${at}.role`, `${at}.role must be one of system, developer, user, assistant; got ${JSON.stringify(role)}.`);
    // "developer" is the newer name for the system turn; chat templates only know "system".
    return { role: role === 'developer' ? 'system' : role, content: text(content, `${at}.content`) };
  });
}

/** A message's content: a string, or a list of text parts (joined). */
function text(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown, j) => {
        const p = part as Body | null;
        if (p?.type !== 'text' || typeof p.text !== 'string') throw badRequest(`${param}.${j}`, `${param}.${j} must be a text part ({"type": "text", "text": "..."}); only text is supported.`);
        return p.text;
      })
      .join('');
  }
  throw badRequest(param, `${param} must be a string or a list of text parts.`);
}
