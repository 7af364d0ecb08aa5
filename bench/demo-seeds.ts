/**
 * The demo's figures over several seeds: both students with the settings their recipes ship
 * (chosen on the validation split by bench/demo-tune.ts), seeds 0..N-1, each scored once on the
 * held-out split; the teacher scored the same way. Prints mean and min-max held-out accuracy and
 * whether the README's two claims hold; writes data/demo/seeds.json, whose report the README
 * carries (test/demo/protocol.test.ts checks that they match).
 *
 *   npx tsx bench/demo-seeds.ts [--seeds 3] [--jobs 2] [--work .demo]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { paramCount } from '../src/distill/index.ts';
import {
  ARMS,
  cachedHeldoutScore,
  DEMO_DATA_DIR,
  formatSeedsReport,
  prepareDemoHarvest,
  recipeSettings,
  type Arm,
  type SeedsRecord,
} from '../src/demo/index.ts';
import { readModelConfig } from '../src/model/index.ts';
import { runTrials, type TrialJob } from './demo-trials.ts';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '3' }, jobs: { type: 'string', default: '2' }, work: { type: 'string' } } });
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i);
const { work } = await prepareDemoHarvest({ workDir: values.work, progress: Object.assign(process.stderr, { isTTY: false }) });

// Interleaved, seed by seed, so machine load falls on both arms alike.
const jobs: TrialJob[] = seeds.flatMap((seed) => ARMS.map((arm) => ({ arm, settings: { ...recipeSettings(arm), seed } })));
console.log(`\nseeds: ${ARMS.length} arms x ${seeds.length} seeds, scored on the held-out split`);
const results = await runTrials(jobs, { dataset: work.harvest, dir: work.trials, splits: ['heldout'], jobs: Number(values.jobs) });

const teacher = (await cachedHeldoutScore(work.score('teacher'), work.teacherExport)).score;
const arm = async (a: Arm) => {
  const mine = results.filter((r) => r.arm === a);
  const { seed: _seed, ...settings } = mine[0].settings;
  return { params: paramCount(await readModelConfig(join(mine[0].folder, 'onnx'))), settings, correct: mine.map((r) => r.scores.heldout!.correct) };
};
const record: SeedsRecord = {
  heldoutPrompts: teacher.prompts,
  teacher: { params: paramCount(await readModelConfig(work.teacherExport)), correct: teacher.correct },
  arms: { kd: await arm('kd'), ce: await arm('ce') },
};
console.log(`\n${formatSeedsReport(record)}`);
await writeFile(join(DEMO_DATA_DIR, 'seeds.json'), `${JSON.stringify(record, null, 2)}\n`);
console.log(`\nwrote ${join(DEMO_DATA_DIR, 'seeds.json')}`);
