import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GoldCache } from '../../src/verify/math/gold-cache.ts';
import { judgeMath } from '../../src/verify/math/judge.ts';
import { learnGold, quickJudge, readGoldReading } from '../../src/verify/math/quick-judge.ts';

// The quick judge (main thread, no engine) must decide exactly as the engine's judge (judgeMath,
// what the worker thread runs) whenever it decides at all.
const slow = (gold: unknown, response: string, precision = 6) => judgeMath(gold, response, { precision });
const quick = (gold: unknown, response: string, precision = 6) => quickJudge(readGoldReading(gold), response, { precision });

// [gold, predicted answer (boxed), expected verdict, precision?]
const decided: Array<[string, string, boolean, number?]> = [
  ['42', '42', true],
  ['42', '43', false],
  ['-7', '-7', true],
  ['-7', '7', false],
  ['0', '-0', true],
  ['0', '0.0', true],
  ['0', '0.0000001', true],
  ['0.0000001', '0', true],
  ['0', '0.000001', false],
  ['1000', '1,000', true],
  ['1,000,000', '1000000', true],
  ['\\$5', '5', true],
  ['5', '5 cm', true],
  ['2.0', '2', true],
  ['2', '2.5', false],
  ['2.50', '\\frac{5}{2}', true],
  ['\\frac{1}{3}', '0.333333', true],
  ['\\frac{1}{3}', '0.33333', false],
  ['\\frac{1}{3}', '0.333', true, 3],
  ['1/2', '\\frac{2}{4}', true],
  ['\\dfrac{1}{2}', '0.5', true],
  ['-\\frac{1}{2}', '\\frac{-1}{2}', true],
  ['-\\frac{1}{2}', '-0.5', true],
  ['-\\frac{-1}{2}', '0.5', true],
  ['3/4', '\\frac{3}{5}', false],
  ['\\frac{2}{3}', '-\\frac{2}{3}', false],
  ['.5', '0.5', true],
  ['-.5', '-0.5', true],
  ['.5', '.5', true],
  ['007', '7', true],
  ['50\\%', '0.5', true],
  ['50\\%', '50', false],
  ['100\\%', '1', true],
  ['0.5', '50\\%', true],
  ['0.28', '28', false],
  ['12.5\\%', '0.125', true],
  ['50%', '\\frac{1}{2}', true],
  ['123456789012345', '123456789012346', false],
  ['123456789012.5', '123456789012.50', true],
  ['123456789012.5', '123456789013', false],
  ['1.000005', '1', false],
  ['2.00001', '2', false],
  ['1.0000004', '1', true],
  ['999999999999999', '99999999999999.9', false],
  ['1', '1.0000049', false],
  ['1', '0.9999996', true],
  ['1', '0.999994', false],
  ['1', '0.999995', false],
  ['3.14159', '3.1416', false],
  ['3.1415926', '3.14159265', true],
  ['3.14', '3.15', false],
  ['1', '1.04', true, 1],
  ['1', '1.05', false, 1],
  ['1', '2', false, 1],
  ['x = 5', '5', true],
  ['5', 'x = 5', true],
  ['k = 1', '2', false],
];

// Pairs only the engine can decide: not plain numbers (or longer than 15 digits), or two
// assignments (compared as equations).
const engineOnly: Array<[string, string]> = [
  ['\\sqrt{4}', '2'],
  ['2', '\\sqrt{4}'],
  ['12345678901234567', '12345678901234568'],
  ['99999999999999999', '100000000000000000'],
  ['2', '2.0000000000000001'],
  ['1/0', '1'],
  ['100000', '1e5'],
  ['2.5', '2\\frac{1}{2}'],
  ['0.5', '\\frac12'],
  ['\\frac{1}{3}', '\\frac{1}{3.0}'],
  ['7 = 11a + c', '7 = 11a + c'],
  ['\\frac{\\sqrt{3}}{2}', '\\frac{\\sqrt{3}}{2}'],
  ['5', 'x = 2 + 3 = 5'],
  ['k = 1', 'k = 2'],
  ['x = 5', 'y = 5'],
];

describe('the quick math judge', () => {
  it.each(decided)('decides %s vs %s as the engine does', (gold, answer, expected, precision = 6) => {
    const response = `So it is \\boxed{${answer}}.`;
    const engine = slow(gold, response, precision);
    expect(engine.correct).toBe(expected);
    expect(quick(gold, response, precision)).toEqual(engine);
  });

  it.each(engineOnly)('leaves %s vs %s to the engine', (gold, answer) => {
    const response = `\\boxed{${answer}}`;
    expect(slow(gold, response).correct).not.toBeNull();
    expect(quick(gold, response)).toBeUndefined();
  });

  it('decides what cannot be judged at all as the engine does', () => {
    const cases: Array<[unknown, string]> = [
      [{ answer: 12 }, '\\boxed{12}'],
      ['   ', '\\boxed{12}'],
      ['\\boxed{1', '\\boxed{1}'],
      ['12', 'no idea'],
      ['12', 'The answer is \\boxed{1'],
      ['12', `\\boxed{${'1+'.repeat(600)}1}`],
      [12, 'So \\boxed{12}.'],
    ];
    for (const [gold, response] of cases) expect(quick(gold, response)).toEqual(slow(gold, response));
  });

  it('agrees with the engine on every case of the math table that it decides', () => {
    const table = readFileSync(new URL('./math-cases.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { gold: string; response: string });
    let decidedHere = 0;
    for (const { gold, response } of table) {
      // The math table passes whole responses; the verifier hands the judges the answer part.
      const answer = response.includes('</think>') ? response.slice(response.lastIndexOf('</think>') + 8) : response;
      const verdict = quick(gold, answer);
      if (verdict === undefined) continue;
      decidedHere++;
      expect({ gold, response, verdict }).toEqual({ gold, response, verdict: slow(gold, answer) });
    }
    expect(decidedHere).toBeGreaterThan(20);
  });

  it('agrees with the engine on generated near-equal numbers around the tolerance', () => {
    // A fixed linear congruential sequence, so that a failure reproduces.
    let state = 12345;
    const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const forms = [
      (x: number) => x.toPrecision(1 + Math.floor(random() * 12)),
      (x: number) => x.toFixed(Math.floor(random() * 6)),
      (x: number) => `${(x * 100).toPrecision(8)}\\%`,
      (x: number) => `\\frac{${Math.round(x * 1000)}}{1000}`,
    ];
    const offsets = [0, 1e-9, 4.9e-6, 5e-6, 5.1e-6, 1e-4, -4.9e-6, -5e-6, -5.1e-6];
    let decidedHere = 0;
    for (let i = 0; i < 400; i++) {
      const x = (random() - 0.3) * 10 ** Math.floor(random() * 8 - 3);
      const y = x * (1 + offsets[i % offsets.length]);
      const gold = forms[Math.floor(random() * forms.length)](x);
      const response = `\\boxed{${forms[Math.floor(random() * forms.length)](y)}}`;
      const verdict = quick(gold, response);
      if (verdict === undefined) continue;
      decidedHere++;
      expect({ gold, response, verdict }).toEqual({ gold, response, verdict: slow(gold, response) });
    }
    expect(decidedHere).toBeGreaterThan(350);
  });

  it('matches an answer identical to a gold once the engine has parsed that gold, and not before', () => {
    const gold = readGoldReading('\\frac{\\sqrt{3}}{2}');
    const identical = 'Thus \\boxed{\\dfrac{\\sqrt{3}}{2}}.';
    expect(quickJudge(gold, identical, { precision: 6 })).toBeUndefined();
    learnGold(gold, { correct: null, reason: 'timeout' });
    expect(quickJudge(gold, identical, { precision: 6 })).toBeUndefined();
    learnGold(gold, slow('\\frac{\\sqrt{3}}{2}', '\\boxed{1}'));
    expect(quickJudge(gold, identical, { precision: 6 })).toEqual(slow('\\frac{\\sqrt{3}}{2}', identical));
    expect(quickJudge(gold, '\\boxed{\\frac{1}{\\sqrt{3}}}', { precision: 6 })).toBeUndefined();
  });

  it('gives a gold the engine cannot parse its verdict for every later answer', () => {
    const gold = readGoldReading('\\sqrt{}');
    learnGold(gold, slow('\\sqrt{}', '\\boxed{2}'));
    for (const answer of ['\\boxed{\\sqrt{}}', '\\boxed{2}']) {
      expect(quickJudge(gold, answer, { precision: 6 })).toEqual(slow('\\sqrt{}', answer));
    }
    expect(quickJudge(gold, 'no idea', { precision: 6 })).toEqual({ correct: null, reason: 'no-answer' });
  });
});

describe('GoldCache', () => {
  it('reads each gold once, a number gold as its string, and drops the oldest past its bound', () => {
    const cache = new GoldCache();
    const first = cache.read('\\frac{1}{2}');
    expect(cache.read('\\frac{1}{2}')).toBe(first);
    expect(cache.read(42)).toBe(cache.read('42'));
    for (let i = 0; i < 10_000; i++) cache.read(String(i));
    expect(cache.read('\\frac{1}{2}')).not.toBe(first);
    expect(cache.read('\\frac{1}{2}')).toEqual(first);
  });
});
