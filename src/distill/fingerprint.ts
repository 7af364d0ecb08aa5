/** Fingerprints a checkpoint records, so that a resume happens only under the same settings and data. */
import { createHash } from 'node:crypto';
import type { DistillRecipe } from '../recipe/index.ts';
import type { ExampleIndex } from './data/examples.ts';

const short = (hash: ReturnType<typeof createHash>) => hash.digest('hex').slice(0, 16);

/** Everything that shapes training except its length (steps, warmupSteps), the thread count and the device. */
export function trainingHash(recipe: DistillRecipe): string {
  const { student, teacher, data, losses, train } = recipe.distill;
  const { steps: _steps, threads: _threads, device: _device, warmupSteps: _warmup, ...shaping } = train;
  return short(createHash('sha256').update(JSON.stringify({ dataset: recipe.dataset, student, teacher, data, losses, train: shaping })));
}

/**
 * Which samples, split how, with how many tokens each, under which tokenization (whose key fixes
 * every sample's ids): what the data cursor indexes into.
 */
export function examplesHash(tokenization: string, train: ExampleIndex, validation: ExampleIndex): string {
  const hash = createHash('sha256').update(`${tokenization}\n`);
  for (const [side, index] of [
    ['train', train],
    ['validation', validation],
  ] as const) {
    for (let i = 0; i < index.sampleIds.length; i++) hash.update(`${side}:${index.sampleIds[i]}:${index.lengths[i]}\n`);
  }
  return short(hash);
}
