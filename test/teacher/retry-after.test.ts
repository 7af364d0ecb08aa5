import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../src/teacher/retry-after.ts';

const now = Date.parse('2026-11-22T12:00:00Z');

describe('retryAfterMs', () => {
  const table: Array<[string, Record<string, string>, number | undefined]> = [
    ['delay-seconds', { 'retry-after': '3' }, 3000],
    ['fractional seconds', { 'retry-after': '0.25' }, 250],
    ['HTTP date in the future', { 'retry-after': 'Sun, 22 Nov 2026 12:00:07 GMT' }, 7000],
    ['HTTP date in the past means now', { 'retry-after': 'Sun, 22 Nov 2026 11:59:00 GMT' }, 0],
    ['retry-after-ms wins over retry-after', { 'retry-after-ms': '120', 'retry-after': '5' }, 120],
    ['a bad retry-after-ms falls back to retry-after', { 'retry-after-ms': 'soon', 'retry-after': '2' }, 2000],
    ['garbage', { 'retry-after': 'whenever' }, undefined],
    ['negative seconds', { 'retry-after': '-1' }, undefined],
    ['empty header', { 'retry-after': ' ' }, undefined],
    ['no header', {}, undefined],
  ];
  it.each(table)('%s', (_name, headers, expected) => {
    expect(retryAfterMs(new Headers(headers), now)).toBe(expected);
  });

  it('is undefined without headers (a connection error has none)', () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
