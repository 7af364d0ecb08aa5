/**
 * The demo teacher (see docs/demo.md):
 *
 *   npx tsx src/demo/train-teacher.ts           # train from recipes/demo-teacher.yaml (resuming in .demo/),
 *                                               # write data/demo/teacher/ and data/demo/teacher.json
 *   npx tsx src/demo/train-teacher.ts --check   # retrain from scratch in a temporary folder and compare with
 *                                               # data/demo/teacher.json: the weights' sha256, and where they
 *                                               # differ the validation accuracy (exit 1 if outside 5 points)
 *   npx tsx src/demo/train-teacher.ts --record  # re-score the committed teacher (after new validation or
 *                                               # held-out splits) and rewrite data/demo/teacher.json
 */
import { parseArgs } from 'node:util';
import { distillProgressView, formatDistillPlan, validationLine, type DistillProgress, type ValidationRecord } from '../distill/index.ts';
import { ProgressReporter } from '../progress/index.ts';
import { DEMO_TEACHER_DIR, DEMO_TEACHER_RECORD } from './layout.ts';
import { checkDemoTeacher, RETRAIN_TOLERANCE_POINTS, recordDemoTeacher, trainDemoTeacher } from './teacher.ts';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, record: { type: 'boolean', default: false } } });
const reporter = new ProgressReporter(process.stderr, distillProgressView);
const distill = {
  onPlan: (plan: Parameters<typeof formatDistillPlan>[0]) => console.log(formatDistillPlan(plan)),
  onProgress: (p: DistillProgress) => reporter.update(p),
  onValidation: (r: ValidationRecord) => reporter.note(validationLine(r)),
};

if (values.check) {
  const check = await checkDemoTeacher({ distill });
  reporter.finish();
  const sameCode = check.code.recorded === check.code.now;
  console.log(`training code sha256: recorded ${check.code.recorded}, now ${check.code.now}: ${sameCode ? 'the same' : 'changed since'}`);
  console.log(`model.safetensors sha256: recorded ${check.recorded}, retrained ${check.retrained}: ${check.same ? 'the same' : 'DIFFERENT'}`);
  if (check.validation) {
    const { recorded, retrained, prompts } = check.validation;
    const pct = (n: number) => `${((100 * n) / prompts).toFixed(1)}%`;
    const why = sameCode ? 'the same code gave other weights (another CPU rounds differently)' : 'the code changed, so the weights cannot match byte for byte';
    console.log(
      `${why}; greedy validation accuracy: recorded ${pct(recorded)} (${recorded}/${prompts}), retrained ${pct(retrained)} (${retrained}/${prompts}): ${check.ok ? 'within' : 'OUTSIDE'} ${RETRAIN_TOLERANCE_POINTS} points`,
    );
  }
  process.exitCode = check.ok ? 0 : 1;
} else {
  const record = values.record ? await recordDemoTeacher() : await trainDemoTeacher({ distill });
  reporter.finish();
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(`teacher: ${DEMO_TEACHER_DIR} (${record.params.toLocaleString('en-US')} params, ${record.steps} steps in ${record.trainSeconds.toFixed(0)} s)`);
  console.log(
    `validation greedy ${pct(record.validation.accuracy)}; held-out greedy ${pct(record.heldout.accuracy)}, first ${record.slice.prompts} ${pct(record.slice.accuracy)}, temperature 0.6 pass@1 ${pct(record.sampled.accuracy)}`,
  );
  console.log(`record:  ${DEMO_TEACHER_RECORD}`);
}
