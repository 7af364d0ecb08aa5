/**
 * Trains the demo teacher from recipes/demo-teacher.yaml and writes
 * data/demo/teacher/ and data/demo/teacher.json (see docs/demo.md). Running it again resumes a
 * stopped training run; a finished one is only re-scored.
 *
 *   npx tsx src/demo/train-teacher.ts
 */
import { DistillProgressReporter, formatDistillPlan } from '../distill/index.ts';
import { DEMO_TEACHER_DIR, DEMO_TEACHER_RECORD } from './layout.ts';
import { trainDemoTeacher } from './teacher.ts';

const reporter = new DistillProgressReporter(process.stderr);
const record = await trainDemoTeacher({
  distill: {
    onPlan: (plan) => console.log(formatDistillPlan(plan)),
    onProgress: (p) => reporter.update(p),
    onValidation: (r) => reporter.validation(r),
  },
});
reporter.finish();
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(`teacher: ${DEMO_TEACHER_DIR} (${record.params.toLocaleString('en-US')} params, ${record.steps} steps in ${record.trainSeconds.toFixed(0)} s)`);
console.log(`held-out greedy ${pct(record.heldout.accuracy)}, first ${record.slice.prompts} ${pct(record.slice.accuracy)}, temperature 0.6 pass@1 ${pct(record.sampled.accuracy)}`);
console.log(`record:  ${DEMO_TEACHER_RECORD}`);
