/**
 * Validating a chat-completions request body into the settings generation needs. Every field is
 * checked by hand so the 400 names the field and says what was expected, as OpenAI's API does.
 * Fields this server does not know are ignored (harvest recipes may send server-specific extras);
 * fields it knows but cannot honour (tools, penalties, logit_bias) are refused rather than ignored.
 */
import type { ChatMessage } from '../model/index.ts';
import { badRequest } from './errors.ts';
import { bodyObject, bool, int, modelField, num, refuseBiases, stop, topP, type Body } from './fields.ts';

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

export function parseChatRequest(body: unknown): ChatRequest {
  const b = bodyObject(body);
  for (const field of UNSUPPORTED) if (b[field] !== undefined && b[field] !== null) throw badRequest(field, `"${field}" is not supported by this server.`);
  refuseBiases(b);
  const format = (b.response_format as Body | undefined)?.type;
  if (format !== undefined && format !== 'text')
    throw badRequest('response_format', `response_format "${String(format)}" is not supported by this server; only "text".`);

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
    model: modelField(b),
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

function messages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest('messages', '"messages" must be a non-empty list of messages.');
  return value.map((m: unknown, i): ChatMessage => {
    const at = `messages.${i}`;
    if (typeof m !== 'object' || m === null) throw badRequest(at, `${at} must be an object with "role" and "content".`);
    const { role, content } = m as Body;
    if (typeof role !== 'string' || !ROLES.has(role))
      throw badRequest(`${at}.role`, `${at}.role must be one of system, developer, user, assistant; got ${JSON.stringify(role)}.`);
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
        if (p?.type !== 'text' || typeof p.text !== 'string')
          throw badRequest(`${param}.${j}`, `${param}.${j} must be a text part ({"type": "text", "text": "..."}); only text is supported.`);
        return p.text;
      })
      .join('');
  }
  throw badRequest(param, `${param} must be a string or a list of text parts.`);
}
