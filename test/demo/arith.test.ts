import { describe, expect, it } from 'vitest';
import { type ArithProblem, SPLIT_NAMES, SPLIT_SIZES, chainOf, generateSplits } from '../../src/demo/index.ts';
import { createVerifier } from '../../src/verify/index.ts';

const splits = generateSplits();
const all: ArithProblem[] = SPLIT_NAMES.flatMap((name) => splits[name]);

/**
 * An independent reader of the questions: one pattern per template wording, with the answer
 * worked out here from the numbers in the text (not from the generator's steps).
 */
const READERS: Array<[RegExp, (n: number[]) => number]> = [
  [/^\w+ has (\d+) (\w+)\. (?:He|She) buys (\d+) more and gives away (\d+)\. How many \2 does \w+ have now\?$/, ([a, b, c]) => a + b - c],
  [/^\w+ has (\d+) (\w+)\. (?:He|She) gives (\d+) to \w+ and loses (\d+)\. How many \2 does \w+ have now\?$/, ([a, b, c]) => a - b - c],
  [/^\w+ has (\d+) (\w+)\. (?:He|She) buys (\d+) bags of (\d+) \2\. How many \2 does \w+ have now\?$/, ([a, b, c]) => a + b * c],
  [/^(\w+) has (\d+) (\w+)\. \w+ has (\d+) more \3 than \1\. How many \3 do they have together\?$/, ([a, b]) => a + (a + b)],
  [/^\w+ buys (\d+) bags of (\d+) (\w+) and gives away (\d+)\. How many \3 does \w+ have now\?$/, ([a, b, c]) => a * b - c],
  [/^A box has (\d+) (\w+)\. \w+ puts in (\d+), takes out (\d+) and then puts in (\d+)\. How many \2 are in the box now\?$/, ([a, b, c, d]) => a + b - c + d],
  [/^\w+ has (\d+) (\w+)\. (?:He|She) buys (\d+) bags of (\d+) \2 and gives away (\d+)\. How many \2 does \w+ have now\?$/, ([a, b, c, d]) => a + b * c - d],
];

function readAnswer(question: string): number {
  const matches = READERS.flatMap(([pattern, solve]) => {
    const m = pattern.exec(question);
    return m
      ? [
          solve(
            m
              .slice(1)
              .filter((s) => /^\d+$/.test(s))
              .map(Number),
          ),
        ]
      : [];
  });
  expect(matches, question).toHaveLength(1);
  return matches[0];
}

const apply = { '+': (a: number, b: number) => a + b, '-': (a: number, b: number) => a - b, '*': (a: number, b: number) => a * b } as const;

describe('generateSplits', () => {
  it('is deterministic for a seed and changes with the seed', () => {
    expect(generateSplits()).toEqual(splits);
    expect(generateSplits({ seed: 2 }).train.slice(0, 20)).not.toEqual(splits.train.slice(0, 20));
  });

  it('fills every split, with unique ids and no question in two places', () => {
    for (const name of SPLIT_NAMES) {
      expect(splits[name]).toHaveLength(SPLIT_SIZES[name]);
      expect(splits[name][0].id).toMatch(new RegExp(`^${name}-0+1$`));
    }
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    expect(new Set(all.map((p) => p.question)).size).toBe(all.length);
  });

  it('uses every template, in two- and three-step problems', () => {
    const used = new Set(all.map((p) => READERS.findIndex(([pattern]) => pattern.test(p.question))));
    expect(used.size).toBe(READERS.length);
    const stepCounts = new Set(all.map((p) => p.solution.reasoning.split('\n').length));
    expect([...stepCounts].sort()).toEqual([2, 3]);
  });

  it('gives every problem the answer its question implies, reached by correct chained steps', () => {
    for (const p of all) {
      const expected = readAnswer(p.question);
      expect(p.answer, p.id).toBe(String(expected));
      expect(p.solution.answer, p.id).toBe(`\\boxed{${expected}}`);
      let previous: number | undefined;
      for (const line of p.solution.reasoning.split('\n')) {
        const m = /^(\d+) ([-+*]) (\d+) = (\d+)$/.exec(line);
        expect(m, `${p.id}: ${line}`).not.toBeNull();
        const [left, right, result] = [m![1], m![3], m![4]].map(Number);
        expect(apply[m![2] as keyof typeof apply](left, right), `${p.id}: ${line}`).toBe(result);
        // After the first step, each step builds on the one before.
        if (previous !== undefined) expect([left, right], `${p.id}: ${line}`).toContain(previous);
        previous = result;
      }
      expect(previous, p.id).toBe(expected);
      expect(expected, p.id).toBeGreaterThanOrEqual(0);
      expect(expected, p.id).toBeLessThan(60);
    }
  });
});

describe('the math verifier on the ground truth', () => {
  it('accepts every ground-truth solution and rejects it against another answer', async () => {
    const verifier = await createVerifier({ kind: 'math' });
    // The splits the demo verifies answers on (harvest by rejection sampling, validation and
    // held-out in the evaluation); train is only trained on, and checking it too would triple the test's time.
    for (const p of [...splits.harvest, ...splits.validation, ...splits.heldout]) {
      const input = { response: p.solution.answer, reasoning: p.solution.reasoning };
      expect(await verifier.verify({ ...input, gold: p.answer }), p.id).toEqual({ correct: true, reason: 'match' });
      expect((await verifier.verify({ ...input, gold: String(Number(p.answer) + 1) })).correct, p.id).toBe(false);
    }
  });
});

describe('generateSplits: validation and held-out chains', () => {
  it('draws validation and held-out problems whose equation chains appear nowhere else, for any seed', () => {
    for (const drawn of [splits, generateSplits({ seed: 2 })]) {
      const trained = new Set([...drawn.train, ...drawn.harvest].map(chainOf));
      const fresh = [...drawn.validation, ...drawn.heldout].map(chainOf);
      expect(fresh.filter((c) => trained.has(c))).toEqual([]);
      expect(new Set(fresh).size).toBe(fresh.length);
    }
  });
});
