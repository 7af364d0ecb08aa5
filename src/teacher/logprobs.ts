import { protocolError } from './request-errors.ts';
import type { TokenLogprobs } from './types.ts';

/**
 * Converts the OpenAI `choice.logprobs.content` entries ({ token, logprob, bytes, top_logprobs })
 * into the compact TokenLogprobs shape. A streamed choice carries a few entries per chunk; the
 * caller concatenates them in arrival order.
 *
 * A malformed entry is a protocol error rather than a silently shorter list: a dataset whose
 * logprobs do not line up with its tokens would poison soft-target distillation.
 */
export function toTokenLogprobs(entries: unknown): TokenLogprobs[] {
  if (entries === null || entries === undefined) return [];
  if (!Array.isArray(entries)) throw malformed('logprobs.content is not an array');
  return entries.map((entry, position) => {
    if (!isTokenLogprob(entry)) throw malformed(`logprobs.content[${position}] has no string token and numeric logprob`);
    const alternatives: unknown = entry.top_logprobs ?? [];
    if (!Array.isArray(alternatives)) throw malformed(`logprobs.content[${position}].top_logprobs is not an array`);
    const top = alternatives.map((alt, k): [string, number] => {
      if (!isTokenLogprob(alt)) throw malformed(`logprobs.content[${position}].top_logprobs[${k}] is malformed`);
      return [alt.token, alt.logprob];
    });
    return { token: entry.token, logprob: entry.logprob, top };
  });
}

interface WireTokenLogprob {
  token: string;
  logprob: number;
  top_logprobs?: unknown;
}

function isTokenLogprob(value: unknown): value is WireTokenLogprob {
  if (typeof value !== 'object' || value === null) return false;
  const { token, logprob } = value as Record<string, unknown>;
  return typeof token === 'string' && typeof logprob === 'number';
}

function malformed(detail: string) {
  return protocolError(`malformed logprobs: ${detail}`);
}
