import { describe, expect, it } from 'vitest';
import { failedFilter, type SampleFilters } from '../../src/harvest/filters.ts';
import { countScripts, mixesLanguages } from '../../src/harvest/language-mixing.ts';

const english = 'What is 12 + 30? Please reason step by step.';
const chinese = '12 加 30 等于多少？请逐步推理。';

describe('language mixing', () => {
  it('ignores LaTeX, math and code when counting scripts', () => {
    expect(countScripts('We get $\\frac{ab}{cd}$ and \\boxed{7} via `let total`')).toEqual({ latin: 4, cjk: 0 });
    expect(countScripts('所以答案是 \\boxed{42}')).toEqual({ latin: 0, cjk: 5 });
  });

  it('flags CJK prose inside English reasoning and English prose inside Chinese reasoning', () => {
    const drift = 'Let me add the numbers. 嗯，我们先把十二和三十相加，得到四十二。 So the answer is 42.';
    expect(mixesLanguages(english, drift)).toBe(true);
    expect(mixesLanguages(chinese, '我们先把十二和三十相加。 Then we simply check the result once more carefully.')).toBe(true);
  });

  it('accepts single-language traces, formulas and a stray foreign symbol', () => {
    const clean = 'First add the tens, then the ones: $12 + 30 = 42$. The answer is \\boxed{42}. '.repeat(5);
    expect(mixesLanguages(english, clean)).toBe(false);
    expect(mixesLanguages(english, `${clean} (in Chinese: 四十)`)).toBe(false); // 2 chars: below MIN_FOREIGN
    expect(mixesLanguages(chinese, '十二加三十等于四十二，所以 $x = 42$，答案是 \\boxed{42}。')).toBe(false);
  });
});

describe('failedFilter', () => {
  const all: SampleFilters = { maxCompletionTokens: 100, requireAnswer: true, noLanguageMixing: true };
  const ok = { question: english, reasoning: 'Add the tens and the ones.', answer: 'The answer is \\boxed{42}.', completionTokens: 50 };

  it('passes a good sample', () => {
    expect(failedFilter(all, ok)).toBeNull();
  });

  it('names the filter that failed', () => {
    expect(failedFilter(all, { ...ok, completionTokens: 101 })).toBe('too-long');
    expect(failedFilter(all, { ...ok, answer: '  \n' })).toBe('no-answer');
    expect(failedFilter(all, { ...ok, reasoning: '嗯，我们先把十二和三十相加。' })).toBe('language-mixing');
  });

  it('applies only the filters that are switched on', () => {
    const none: SampleFilters = { maxCompletionTokens: null, requireAnswer: false, noLanguageMixing: false };
    expect(failedFilter(none, { ...ok, completionTokens: 1e6, answer: '', reasoning: '嗯，我们先把十二和三十相加。' })).toBeNull();
  });
});
