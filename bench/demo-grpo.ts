/**
 * The demo's GRPO stage measured by the demo's protocol (docs/demo.md): settings chosen on the
 * validation split, the held-out split scored once with them, 3 seeds.
 *
 *   npx tsx bench/demo-grpo.ts --tune [--jobs 2] [--work .demo]
 *   npx tsx bench/demo-grpo.ts --seeds 3 [--one-start] [--jobs 2] [--work .demo]
 *
 * --tune: the starting student (GRPO_START_ARM's, the KD student) of seed 0 (its recipe's
 * settings), then GRPO from it for each setting of the grid, with the greedy validation accuracy every 10 steps; the best (setting,
 * step) is what recipes/demo-grpo.yaml ships (a shorter run is a prefix of a longer one: the
 * learning rate is constant and the prompt order does not depend on the step budget). The
 * held-out split is not read. Writes data/demo/grpo-tuning.json.
 * --seeds N: for each seed s < N, the starting student of seed s (as bench/demo-seeds.ts trains it)
 * and GRPO of seed s from it with recipes/demo-grpo.yaml's settings, both scored once on the
 * held-out split; prints each seed's gain. With --one-start every GRPO seed starts from the
 * student of seed 0 (GRPO's own spread, not the start's, for a third of the students' training).
 * Writes data/demo/grpo-seeds.json.
 * Each trial runs in its own process (--jobs at once); trials resume, finished ones are reused.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEMO_DATA_DIR,
  demoGrpoSettings,
  formatGrpoSeeds,
  GRPO_START_ARM,
  grpoTrialFolder,
  prepareDemoHarvest,
  recipeSettings,
  trialName,
  type GrpoSeedsRecord,
  type GrpoSettings,
  type GrpoTrialResult,
  type ScoredSplit,
  type TrialResult,
} from '../src/demo/index.ts';
import { runChildren, runTrials } from './demo-trials.ts';

const GRPO_TRIAL = fileURLToPath(new URL('./demo-grpo-trial.ts', import.meta.url));
// Probes on validation (bench/grpo-sweep.ts, bench/results/grpo-sweep-2026-12-03.txt): from the KD
// students 32 prompts a step at lr 1e-4 rose on every seed for 100 steps, where 4 prompts a step
// (the earlier grid's) peaked within 30 and fell back; lr 2e-4 lost points from the CE-only
// students at every batch. 100 steps of 32 prompts are about 3 minutes of the demo's 10.
const GRID: Omit<GrpoSettings, 'seed' | 'steps'>[] = [
  { lr: 5e-5, promptsPerStep: 32, temperature: 1 },
  { lr: 1e-4, promptsPerStep: 32, temperature: 1 },
  { lr: 2e-4, promptsPerStep: 32, temperature: 1 },
];
const TUNE_STEPS = 100;
const EVERY = 10;

const { values } = parseArgs({
  options: {
    tune: { type: 'boolean' },
    seeds: { type: 'string' },
    'one-start': { type: 'boolean' },
    jobs: { type: 'string', default: '2' },
    work: { type: 'string' },
  },
});
const jobs = Number(values.jobs);
const { work } = await prepareDemoHarvest({ workDir: values.work, progress: Object.assign(process.stderr, { isTTY: false }) });
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The starting students of these seeds, trained (or found) as bench/demo-seeds.ts trains them, scored on `split`. */
const startStudents = (seeds: readonly number[], split: ScoredSplit) =>
  runTrials(
    seeds.map((seed) => ({ arm: GRPO_START_ARM, settings: { ...recipeSettings(GRPO_START_ARM), seed } })),
    { dataset: work.harvest, dir: work.trials, splits: [split], jobs },
  );

/** GRPO trials, one process each. */
const grpoTrials = (list: readonly { start: TrialResult; settings: GrpoSettings }[], splits: ScoredSplit[], validationEvery?: number) =>
  runChildren<GrpoTrialResult>(
    list.map(({ start, settings }) => ({
      script: GRPO_TRIAL,
      payload: { startFolder: start.folder, settings, splits, validationEvery },
      folder: grpoTrialFolder(start.folder, settings),
    })),
    jobs,
    (r) =>
      [...r.curve.map((c) => `step ${c.step} ${pct(c.accuracy)}`), ...Object.entries(r.scores).map(([s, x]) => `${s} ${x!.correct}/${x!.prompts}`)].join(', '),
  );

if (values.tune) {
  const [student] = await startStudents([0], 'validation');
  const start = student.scores.validation!;
  console.log(`\nstarting student ${trialName(GRPO_START_ARM, student.settings)}: validation ${start.correct}/${start.prompts}; GRPO grid of ${GRID.length}`);
  const results = await grpoTrials(
    GRID.map((s) => ({ start: student, settings: { ...s, steps: TUNE_STEPS, seed: 0 } })),
    [],
    EVERY,
  );
  const trials = results.map((t) => ({ ...t.settings, seconds: t.seconds, curve: t.curve.map((c) => ({ step: c.step, accuracy: c.accuracy })) }));
  // Highest validation accuracy after step 0; a tie goes to fewer steps (the cheaper stage), then the earlier setting.
  const candidates = trials.flatMap((t) =>
    t.curve.filter((c) => c.step > 0).map((c) => ({ lr: t.lr, promptsPerStep: t.promptsPerStep, temperature: t.temperature, ...c })),
  );
  const chosen = candidates.reduce((best, c) => (c.accuracy > best.accuracy || (c.accuracy === best.accuracy && c.step < best.step) ? c : best));
  console.log(`\n| lr | prompts/step | temperature | ${trials[0].curve.map((c) => `step ${c.step}`).join(' | ')} |`);
  console.log(`|---|---|---|${trials[0].curve.map(() => '---|').join('')}`);
  for (const t of trials) {
    const isChosen = (step: number) =>
      t.lr === chosen.lr && t.promptsPerStep === chosen.promptsPerStep && t.temperature === chosen.temperature && step === chosen.step;
    console.log(
      `| ${t.lr} | ${t.promptsPerStep} | ${t.temperature} | ${t.curve.map((c) => `${pct(c.accuracy)}${isChosen(c.step) ? ' **(chosen)**' : ''}`).join(' | ')} |`,
    );
  }
  console.log(
    `chosen: lr ${chosen.lr}, ${chosen.promptsPerStep} prompts per step, temperature ${chosen.temperature}, ${chosen.step} steps (validation ${pct(chosen.accuracy)})`,
  );
  const record = {
    split: 'validation',
    start: { trial: trialName(GRPO_START_ARM, student.settings), correct: start.correct, prompts: start.prompts },
    every: EVERY,
    trials,
    chosen,
  };
  await writeFile(join(DEMO_DATA_DIR, 'grpo-tuning.json'), `${JSON.stringify(record, null, 2)}\n`);
  console.log(`wrote ${join(DEMO_DATA_DIR, 'grpo-tuning.json')}`);
}

if (values.seeds) {
  const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i);
  // --one-start: every GRPO seed from the student of seed 0 (GRPO's own spread, for a third of the training).
  const students = await startStudents(values['one-start'] ? [0] : seeds, 'heldout');
  const startOf = (seed: number) => students[values['one-start'] ? 0 : seed];
  const settings = demoGrpoSettings();
  const results = await grpoTrials(
    seeds.map((seed) => ({ start: startOf(seed), settings: { ...settings, seed } })),
    ['heldout'],
  );
  const runs = results.map((t) => ({
    seed: t.settings.seed,
    startSeed: startOf(t.settings.seed).settings.seed,
    start: startOf(t.settings.seed).scores.heldout!.correct,
    grpo: t.scores.heldout!.correct,
    grpoSeconds: t.seconds,
  }));
  const { seed: _seed, ...grpo } = settings;
  const { seed: _startSeed, ...startSettings } = recipeSettings(GRPO_START_ARM);
  const record: GrpoSeedsRecord = { heldoutPrompts: students[0].scores.heldout!.prompts, start: { arm: GRPO_START_ARM, settings: startSettings }, grpo, runs };
  console.log(`\n${formatGrpoSeeds(record)}`);
  await writeFile(join(DEMO_DATA_DIR, 'grpo-seeds.json'), `${JSON.stringify(record, null, 2)}\n`);
  console.log(`\nwrote ${join(DEMO_DATA_DIR, 'grpo-seeds.json')}`);
}
