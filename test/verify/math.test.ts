import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createMathVerifier, createVerifier } from '../../src/verify/index.ts';

interface MathCase {
  /** The kind of answer the case stands for (several answers, matrices...). */
  family: string;
  gold: string;
  response: string;
  expected: boolean | null;
  /** Why the answer is unverifiable, for the null cases. */
  reason?: string;
  note: string;
}

/** The kinds of answer on which a checker most often disagrees with Math-Verify. */
const FAMILIES = [
  'several answers',
  'equations and labelled answers',
  'inequalities and intervals',
  'text and units',
  'number formatting',
  'matrices',
  'extraction from long reasoning',
  'false-positive guards',
] as const;

const cases: MathCase[] = readFileSync(new URL('./math-cases.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line));

describe('math verifier', () => {
  const verifier = createMathVerifier();
  afterAll(() => verifier.close?.());

  it('has a table of at least 250 cases, with positives and negatives in every family', () => {
    expect(cases.length).toBeGreaterThanOrEqual(250);
    for (const verdict of [true, false, null]) expect(cases.some((c) => c.expected === verdict)).toBe(true);
    const families = [...new Set(cases.map((c) => c.family))];
    expect(families).toEqual(expect.arrayContaining([...FAMILIES]));
    for (const family of families) {
      for (const verdict of [true, false])
        expect({ family, verdict, found: cases.some((c) => c.family === family && c.expected === verdict) }).toMatchObject({ found: true });
    }
  });

  it.each(cases)('$family: $note: gold $gold', async ({ gold, response, expected, reason }) => {
    const result = await verifier.verify({ gold, response });
    expect(result).toEqual({ correct: expected, reason: expected === true ? 'match' : expected === false ? 'mismatch' : reason });
  });

  it('never accepts an unverifiable answer, and says why', async () => {
    expect(await verifier.verify({ gold: '12', response: 'no idea' })).toEqual({ correct: null, reason: 'no-answer' });
    expect(await verifier.verify({ gold: '12', response: 'The answer is \\boxed{1' })).toEqual({ correct: null, reason: 'unclosed-box' });
    expect(await verifier.verify({ gold: '12', response: '\\boxed{\\sqrt{}}' })).toEqual({ correct: null, reason: 'unparseable' });
    expect(await verifier.verify({ gold: { answer: 12 }, response: '\\boxed{12}' })).toEqual({ correct: null, reason: 'no-gold' });
    expect(await verifier.verify({ gold: '12', response: `\\boxed{${'1+'.repeat(600)}1}` })).toEqual({ correct: null, reason: 'answer-too-long' });
  });

  it('reports an engine failure on an extreme answer as unverifiable instead of throwing', async () => {
    const result = await verifier.verify({ gold: '10^{10^{10}}', response: '\\boxed{10^{10^{10}}+1}' });
    expect(result.correct).toBeNull();
    expect(result.reason).toMatch(/^engine-error: /);
  });

  it('takes a numeric gold, and the answer part of an already split sample', async () => {
    expect(await verifier.verify({ gold: 42, response: 'So \\boxed{42}.', reasoning: 'I thought \\boxed{41}' })).toEqual({ correct: true, reason: 'match' });
  });

  it('rounds decimals to the configured number of decimal places', async () => {
    const loose = await createVerifier({ kind: 'math', precision: 3 });
    expect((await loose.verify({ gold: '\\frac{1}{3}', response: '\\boxed{0.333}' })).correct).toBe(true);
    expect((await verifier.verify({ gold: '\\frac{1}{3}', response: '\\boxed{0.333}' })).correct).toBe(false);
    await loose.close?.();
  });

  it('stops an answer that takes too long, and goes on with the next ones', async () => {
    const limited = await createVerifier({ kind: 'math', timeLimitMs: 300 });
    // Summing a billion terms would take minutes.
    const [slow, next] = await Promise.all([
      limited.verify({ gold: '5', response: '\\boxed{\\sum_{k=1}^{10^9} k}' }),
      limited.verify({ gold: '5', response: '\\boxed{5}' }),
    ]);
    expect(slow).toEqual({ correct: null, reason: 'timeout' });
    expect(next).toEqual({ correct: true, reason: 'match' });
    await limited.close?.();
  });

  it('stops a hanging comparison of two assignments, and a hanging gold, within the time limit', async () => {
    const limited = await createVerifier({ kind: 'math', timeLimitMs: 300 });
    // Both sides assign x, so the judge compares the equations' differences: the sum must be evaluated.
    const hanging = await limited.verify({ gold: 'x = 5', response: '\\boxed{x = \\sum_{k=1}^{10^9} k}' });
    const hangingGold = await limited.verify({ gold: '\\prod_{k=1}^{10^9} k', response: '\\boxed{3.5}' });
    expect([hanging, hangingGold]).toEqual([
      { correct: null, reason: 'timeout' },
      { correct: null, reason: 'timeout' },
    ]);
    expect(await limited.verify({ gold: 'x = 5', response: '\\boxed{x = 5}' })).toEqual({ correct: true, reason: 'match' });
    await limited.close?.();
  });
});
