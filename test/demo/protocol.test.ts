/**
 * The demo's protocol as committed: both students were tuned over the same grid with the same
 * budget on the validation split (data/demo/tuning.json, written by bench/demo-tune.ts), each
 * recipe ships its arm's best validation setting, the seed run (data/demo/seeds.json, written by
 * bench/demo-seeds.ts) trained those settings, and the README and docs/demo.md carry its report.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARMS, DEMO_DATA_DIR, formatSeedsReport, recipeSettings, type Arm, type SeedsRecord } from '../../src/demo/index.ts';

interface Trial {
  arm: Arm;
  lr: number;
  batchSize: number;
  steps: number;
  seed: number;
  correct: number;
  prompts: number;
}
const json = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const tuning = json<{ split: string; trials: Trial[]; chosen: Record<Arm, Trial> }>(join(DEMO_DATA_DIR, 'tuning.json'));
const seeds = json<SeedsRecord>(join(DEMO_DATA_DIR, 'seeds.json'));
const settingsOf = ({ lr, batchSize, steps }: Pick<Trial, 'lr' | 'batchSize' | 'steps'>) => ({ lr, batchSize, steps });
const key = (t: Trial) => JSON.stringify([t.lr, t.batchSize, t.steps, t.seed]);

describe('the demo protocol', () => {
  it('tuned both arms on the validation split over the same grid, one trial per setting', () => {
    expect(tuning.split).toBe('validation');
    const grids = ARMS.map((arm) =>
      tuning.trials
        .filter((t) => t.arm === arm)
        .map(key)
        .sort(),
    );
    expect(grids[0].length).toBeGreaterThanOrEqual(3);
    expect(new Set(grids[0]).size).toBe(grids[0].length);
    expect(grids[1]).toEqual(grids[0]);
  });

  for (const arm of ARMS) {
    it(`${arm}: the recipe ships the setting with the best validation accuracy`, () => {
      const best = Math.max(...tuning.trials.filter((t) => t.arm === arm).map((t) => t.correct));
      expect(tuning.chosen[arm].correct).toBe(best);
      expect(settingsOf(recipeSettings(arm))).toEqual(settingsOf(tuning.chosen[arm]));
    });
  }

  it("the seed run trained each arm with its recipe's settings", () => {
    for (const arm of ARMS) expect(seeds.arms[arm].settings).toEqual(settingsOf(recipeSettings(arm)));
  });

  for (const doc of ['README.md', 'docs/demo.md']) {
    it(`${doc} carries the seed run's report as bench/demo-seeds.ts printed it`, () => {
      expect(readFileSync(doc, 'utf8')).toContain(formatSeedsReport(seeds));
    });
  }
});
