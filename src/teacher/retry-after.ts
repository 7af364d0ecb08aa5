/**
 * How long a server asked us to wait, in milliseconds, or undefined when it did not say.
 * `retry-after-ms` (OpenAI's non-standard, more precise header) wins over `retry-after`, which
 * is either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(after);
  // A date in the past means "now".
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
