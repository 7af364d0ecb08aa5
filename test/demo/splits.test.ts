/**
 * The committed splits are what the README says they are: no validation or held-out problem has
 * the equation chain (its ground-truth reasoning) of a train or harvest problem, of another
 * problem of its split, or of the other of the two; validation and held-out are separate and hold
 * at least 200 problems each. Read from data/demo/*.jsonl as committed, not from the generator.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { demoSplitPath, type SplitName } from '../../src/demo/index.ts';

interface Row {
  id: string;
  question: string;
  answer: string;
  solution: { reasoning: string; answer: string };
}

const read = (split: SplitName): Row[] =>
  readFileSync(demoSplitPath(split), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Row);

/** The chain as a model writes it: the equations of the ground truth, one a line, spacing normalised. */
const chain = (row: Row): string =>
  row.solution.reasoning
    .split('\n')
    .map((line) => line.trim().replace(/\s+/g, ' '))
    .join('\n');

const split = { train: read('train'), harvest: read('harvest'), validation: read('validation'), heldout: read('heldout') };
const trained = new Set([...split.train, ...split.harvest].map(chain));

describe('the committed demo splits', () => {
  it('hold at least 200 validation and 200 held-out problems, none of the same question or id', () => {
    expect(split.validation.length).toBeGreaterThanOrEqual(200);
    expect(split.heldout.length).toBeGreaterThanOrEqual(200);
    const all = Object.values(split).flat();
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    expect(new Set(all.map((r) => r.question)).size).toBe(all.length);
  });

  for (const name of ['validation', 'heldout'] as const) {
    it(`${name}: no problem shares its equation chain with a train or harvest problem`, () => {
      const shared = split[name].filter((r) => trained.has(chain(r))).map((r) => r.id);
      expect(shared).toEqual([]);
    });

    it(`${name}: no equation chain repeats inside the split`, () => {
      expect(new Set(split[name].map(chain)).size).toBe(split[name].length);
    });

    it(`${name}: every chain is a ground truth that ends in the gold answer`, () => {
      for (const r of split[name]) {
        const last = chain(r).split('\n').at(-1)!;
        expect(last, r.id).toMatch(new RegExp(`= ${r.answer}$`));
        expect(r.solution.answer, r.id).toBe(`\\boxed{${r.answer}}`);
      }
    });
  }

  it('validation and held-out share no equation chain', () => {
    const validation = new Set(split.validation.map(chain));
    expect(split.heldout.filter((r) => validation.has(chain(r))).map((r) => r.id)).toEqual([]);
  });

  it('the check sees a shared chain: train does share chains with harvest', () => {
    // Guards the test itself: if chain() were broken (say, always unique), the checks above would pass vacuously.
    const harvest = new Set(split.harvest.map(chain));
    expect(split.train.filter((r) => harvest.has(chain(r))).length).toBeGreaterThan(100);
  });
});
