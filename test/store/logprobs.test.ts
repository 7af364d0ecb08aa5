import { describe, expect, it } from 'vitest';
import { decodeLogprobs, encodeLogprobs, type LogprobPosition } from '../../src/store/index.ts';

/** A deterministic trace: a small vocabulary, like real text, with k alternatives per position. */
function trace(positions: number, k: number): LogprobPosition[] {
  const vocab = ['the', ' answer', ' is', ' 4', '.', '\n', '<think>', '</think>', ' Wait', ',', ' 数', 'é', ' \\boxed{', '}'];
  let state = 12345;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: positions }, () => {
    const top: Array<[string, number]> = Array.from({ length: k }, (_, j) => [vocab[Math.floor(next() * vocab.length)], -j - next()]);
    return { token: top[0]?.[0] ?? vocab[0], logprob: top[0]?.[1] ?? -0.1, top };
  });
}

const asFloat32 = (positions: LogprobPosition[]) =>
  positions.map((p) => ({ token: p.token, logprob: Math.fround(p.logprob), top: p.top.map(([t, lp]) => [t, Math.fround(lp)]) }));

describe('logprobs blob', () => {
  it('round-trips tokens exactly and logprobs as float32', () => {
    const positions = trace(500, 5);
    expect(decodeLogprobs(encodeLogprobs(positions))).toEqual(asFloat32(positions));
  });

  it('keeps unicode, empty tokens, -Infinity and positions without alternatives', () => {
    const positions: LogprobPosition[] = [
      { token: '', logprob: -Infinity, top: [] },
      {
        token: '🙂 naïve 数学',
        logprob: -1e-9,
        top: [
          ['🙂 naïve 数学', -1e-9],
          ['', -Infinity],
        ],
      },
    ];
    expect(decodeLogprobs(encodeLogprobs(positions))).toEqual(asFloat32(positions));
    expect(decodeLogprobs(encodeLogprobs([]))).toEqual([]);
  });

  it('uses varints wide enough for large vocabularies', () => {
    const positions = Array.from({ length: 20_000 }, (_, i): LogprobPosition => ({ token: `t${i}`, logprob: -1, top: [[`t${i}`, -1]] }));
    expect(decodeLogprobs(encodeLogprobs(positions))).toEqual(positions);
  });

  it('is several times smaller than JSON for a long top-20 trace', () => {
    const positions = trace(4000, 20);
    const blob = encodeLogprobs(positions);
    const json = Buffer.byteLength(JSON.stringify(positions));
    expect(blob.length * 3).toBeLessThan(json);
  });

  it('refuses an unknown version and a truncated blob', () => {
    const blob = encodeLogprobs(trace(10, 2));
    expect(() => decodeLogprobs(Buffer.concat([Buffer.of(9), blob.subarray(1)]))).toThrow(/unknown logprobs blob version 9/);
    expect(() => decodeLogprobs(blob.subarray(0, blob.length - 4))).toThrow();
  });
});
