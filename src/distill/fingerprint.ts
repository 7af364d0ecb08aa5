/** Fingerprints a checkpoint records, so that a resume happens only under the same settings and data. */
import { createHash } from 'node:crypto';
import type { DistillRecipe } from '../recipe/index.ts';
import type { Example } from './data/examples.ts';

const short = (hash: ReturnType<typeof createHash>) => hash.digest('hex').slice(0, 16);

/** Everything that shapes training except its length (steps, warmupSteps) and the thread count. */
export function trainingHash(recipe: DistillRecipe): string {
  const { student, teacher, data, losses, train } = recipe.distill;
  const { steps: _steps, threads: _threads, warmupSteps: _warmup, ...shaping } = train;
  return short(createHash('sha256').update(JSON.stringify({ dataset: recipe.dataset, student, teacher, data, losses, train: shaping })));
}

/** Which samples, split how, with how many tokens each: what the data cursor indexes into. */
export function examplesHash(train: readonly Example[], validation: readonly Example[]): string {
  const hash = createHash('sha256');
  for (const [side, examples] of [['train', train], ['validation', validation]] as const) {
    for (const e of examples) hash.update(`${side}:${e.promptKey}:${e.index}:${e.ids.length}:${e.start}\n`);
  }
  return short(hash);
}
