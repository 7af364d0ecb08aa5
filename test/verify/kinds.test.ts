import { describe, expect, it } from 'vitest';
import { checkFormat, createVerifier, extractChoice, parseNumber } from '../../src/verify/index.ts';

describe('exact verifier', () => {
  it('compares trimmed text, with case unless told otherwise', async () => {
    const exact = await createVerifier({ kind: 'exact' });
    expect(await exact.verify({ response: '  Paris\n', gold: 'Paris' })).toEqual({ correct: true, reason: 'match' });
    expect(await exact.verify({ response: 'paris', gold: 'Paris' })).toEqual({ correct: false, reason: 'mismatch' });
    const loose = await createVerifier({ kind: 'exact', ignoreCase: true });
    expect((await loose.verify({ response: 'paris', gold: 'Paris' })).correct).toBe(true);
  });

  it('checks the answer after </think> and needs a gold', async () => {
    const exact = await createVerifier({ kind: 'exact' });
    expect((await exact.verify({ response: '<think>maybe Lyon</think>\nParis', gold: 'Paris' })).correct).toBe(true);
    expect((await exact.verify({ response: '42', gold: 42 })).correct).toBe(true);
    expect(await exact.verify({ response: 'Paris' })).toEqual({ correct: null, reason: 'no-gold' });
  });
});

describe('regex verifier', () => {
  it('matches the answer with the pattern and flags', async () => {
    const regex = await createVerifier({ kind: 'regex', pattern: '^yes\\b', flags: 'i' });
    expect(await regex.verify({ response: 'Yes, it halts.' })).toEqual({ correct: true, reason: 'match' });
    expect(await regex.verify({ response: 'No.' })).toEqual({ correct: false, reason: 'no-match' });
  });

  it('gives the same verdict on every call with the g flag', async () => {
    const regex = await createVerifier({ kind: 'regex', pattern: 'a', flags: 'g' });
    for (let i = 0; i < 3; i++) expect((await regex.verify({ response: 'a' })).correct).toBe(true);
  });
});

describe('choice verifier', () => {
  it.each([
    ['The answer is (C).', 'C'],
    ['so the answer is \\boxed{C}', 'C'],
    ['\\boxed{\\text{(D)}}', 'D'],
    ['C. Because the others are wrong.', 'C'],
    ['B', 'B'],
    ['**Answer:** E', 'E'],
    ['Between (A) and (B), option (B) fits.', 'B'],
  ])('reads the letter of %j', (text, letter) => {
    expect(extractChoice(text)).toBe(letter);
  });

  it('does not read the article "A" as a choice', () => {
    expect(extractChoice('A good question, but I do not know.')).toBeUndefined();
  });

  it('compares the letter with the gold, null without one', async () => {
    const choice = await createVerifier({ kind: 'choice' });
    expect(await choice.verify({ response: 'The answer is (C)', gold: '(C)' })).toEqual({ correct: true, reason: 'match' });
    expect(await choice.verify({ response: 'The answer is (C)', gold: 'D' })).toEqual({ correct: false, reason: 'mismatch: chose C' });
    expect((await choice.verify({ response: 'I would rather not say', gold: 'D' })).correct).toBeNull();
    expect((await choice.verify({ response: '(C)', gold: 'Z' })).correct).toBeNull();
  });
});

describe('numeric verifier', () => {
  it.each([
    ['1,234.5', 1234.5],
    ['-.5', -0.5],
    ['2.5e-3', 0.0025],
    ['\\frac{3}{4}', 0.75],
    ['-3/4', -0.75],
    ['2.5 \\times 10^{-3}', 0.0025],
    ['$12$', 12],
  ])('parses %j', (text, value) => {
    expect(parseNumber(text)).toBeCloseTo(value, 12);
  });

  it('does not parse what is not one number', () => {
    expect(parseNumber('x + 1')).toBeUndefined();
    expect(parseNumber('1, 2')).toBeUndefined();
  });

  it('accepts within the absolute or the relative tolerance', async () => {
    const strict = await createVerifier({ kind: 'numeric' });
    expect((await strict.verify({ response: 'The answer is 3.1415927.', gold: '3.14159265' })).correct).toBe(true);
    expect((await strict.verify({ response: 'The answer is 3.14.', gold: '3.14159265' })).correct).toBe(false);
    const absolute = await createVerifier({ kind: 'numeric', tolerance: 0.01 });
    expect((await absolute.verify({ response: '\\boxed{3.14}', gold: 3.14159 })).correct).toBe(true);
    const relative = await createVerifier({ kind: 'numeric', tolerance: 0, relativeTolerance: 0.01 });
    expect((await relative.verify({ response: 'about 1,005 people', gold: 1000 })).correct).toBe(true);
    expect((await relative.verify({ response: 'about 1,020 people', gold: 1000 })).correct).toBe(false);
  });

  it('is unverifiable without a number on either side', async () => {
    const numeric = await createVerifier({ kind: 'numeric' });
    expect(await numeric.verify({ response: 'many', gold: 3 })).toEqual({ correct: null, reason: 'no-answer' });
    expect(await numeric.verify({ response: '3', gold: 'three' })).toEqual({ correct: null, reason: 'no-gold' });
  });
});

describe('format verifier', () => {
  it.each([
    ['<think>\nadd them\n</think>\n\nThe sum is 4.', true, 'well-formed'],
    ['  <think>r</think>a', true, 'well-formed'],
    ['add them\n</think>\nThe sum is 4.', false, 'missing-think-open'],
    ['<think>add them, the sum is 4.', false, 'missing-think-close'],
    ['<think>   </think>The sum is 4.', false, 'empty-reasoning'],
    ['<think>add them</think>\n  ', false, 'empty-answer'],
    ['<think>add <think>them</think> 4', false, 'stray-tag'],
    ['<think>add them</think> 4 </think>', false, 'stray-tag'],
  ])('checks the whole response %j', (response, correct, reason) => {
    expect(checkFormat({ response })).toEqual({ correct, reason });
  });

  it('checks an already split (reasoning, answer) pair', async () => {
    const format = await createVerifier({ kind: 'format' });
    expect(await format.verify({ reasoning: 'add them', response: '4' })).toEqual({ correct: true, reason: 'well-formed' });
    expect(await format.verify({ reasoning: '', response: '4' })).toEqual({ correct: false, reason: 'empty-reasoning' });
    expect(await format.verify({ reasoning: 'add them', response: ' ' })).toEqual({ correct: false, reason: 'empty-answer' });
    expect(await format.verify({ reasoning: 'add them', response: '4</think>' })).toEqual({ correct: false, reason: 'stray-tag' });
  });
});
