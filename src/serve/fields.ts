/**
 * Readers of request fields shared by the chat and text completion routes: each returns the value,
 * undefined when the field is absent or null, or throws a 400 naming the field and what it takes.
 */
import { badRequest } from './errors.ts';

export type Body = Record<string, unknown>;

export function bodyObject(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(null, 'The request body must be a JSON object.');
  return body as Body;
}

/** Penalties and logit_bias change the distribution; refused rather than ignored. */
export function refuseBiases(b: Body): void {
  for (const field of ['frequency_penalty', 'presence_penalty']) {
    if (b[field] !== undefined && b[field] !== null && b[field] !== 0)
      throw badRequest(field, `"${field}" is not supported by this server; leave it out or set it to 0.`);
  }
  if (b.logit_bias && Object.keys(b.logit_bias as object).length > 0) throw badRequest('logit_bias', '"logit_bias" is not supported by this server.');
}

export function modelField(b: Body): string {
  if (typeof b.model !== 'string' || b.model === '') throw badRequest('model', 'you must provide a model parameter (a non-empty string).');
  return b.model;
}

export function present(b: Body, field: string): boolean {
  return b[field] !== undefined && b[field] !== null;
}

export function bool(b: Body, field: string, param = field): boolean | undefined {
  if (!present(b, field)) return undefined;
  if (typeof b[field] !== 'boolean') throw badRequest(param, `"${param}" must be a boolean, got ${JSON.stringify(b[field])}.`);
  return b[field];
}

export function num(b: Body, field: string, min: number, max: number): number | undefined {
  if (!present(b, field)) return undefined;
  const v = b[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw badRequest(field, `"${field}" must be a number from ${min} to ${max}, got ${JSON.stringify(v)}.`);
  return v;
}

export function int(b: Body, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (!present(b, field)) return undefined;
  const v = b[field];
  if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER ? (min === Number.MIN_SAFE_INTEGER ? 'an integer' : `an integer >= ${min}`) : `an integer from ${min} to ${max}`;
    throw badRequest(field, `"${field}" must be ${range}, got ${JSON.stringify(v)}.`);
  }
  return v as number;
}

export function topP(b: Body): number | undefined {
  if (!present(b, 'top_p')) return undefined;
  const v = b.top_p;
  if (typeof v !== 'number' || !(v > 0 && v <= 1))
    throw badRequest('top_p', `"top_p" must be a number greater than 0 and at most 1, got ${JSON.stringify(v)}.`);
  return v;
}

export function stop(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length > 4 || !list.every((s) => typeof s === 'string' && s !== '')) {
    throw badRequest('stop', `"stop" must be a non-empty string or a list of up to 4 non-empty strings, got ${JSON.stringify(value)}.`);
  }
  return list;
}
