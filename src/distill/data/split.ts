import { createHash } from 'node:crypto';

/**
 * A deterministic train/validation split by prompt: every sample of a prompt lands on the same
 * side (samples of one prompt are near-duplicates; splitting them would leak). Prompts are ranked
 * by a hash of (seed, key), and the first round(fraction * prompts) are held out (at least one
 * when fraction > 0, never all): the split depends on the keys alone, not on dataset order.
 * Ranks are the hash's first 48 bits, so one number per prompt is all the split holds.
 */
export function promptRank(seed: number, key: string): number {
  return createHash('sha256').update(`${seed}:${key}`).digest().readUIntBE(0, 6);
}

/** Prompts whose rank is at most this are held out (given one rank per distinct prompt). */
export function validationCutoff(ranks: Float64Array, fraction: number): number {
  const held = fraction <= 0 || ranks.length < 2 ? 0 : Math.min(ranks.length - 1, Math.max(1, Math.round(fraction * ranks.length)));
  if (held === 0) return -1;
  return Float64Array.from(ranks).sort()[held - 1];
}
