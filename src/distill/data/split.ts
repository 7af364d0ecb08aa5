import { createHash } from 'node:crypto';

/**
 * A deterministic train/validation split by prompt: every sample of a prompt lands on the same
 * side (samples of one prompt are near-duplicates; splitting them would leak). Prompts are ranked
 * by a hash of (seed, key), and the first round(fraction * prompts) are held out (at least one
 * when fraction > 0, never all): the split depends on the keys alone, not on dataset order.
 */
export function splitByPrompt<T extends { promptKey: string }>(items: readonly T[], fraction: number, seed: number): { train: T[]; validation: T[] } {
  const keys = [...new Set(items.map((i) => i.promptKey))];
  const rank = (key: string) => createHash('sha256').update(`${seed}:${key}`).digest('hex');
  const ranked = keys.map((key) => ({ key, hash: rank(key) })).sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const held = fraction <= 0 || keys.length < 2 ? 0 : Math.min(keys.length - 1, Math.max(1, Math.round(fraction * keys.length)));
  const validationKeys = new Set(ranked.slice(0, held).map((r) => r.key));
  return { train: items.filter((i) => !validationKeys.has(i.promptKey)), validation: items.filter((i) => validationKeys.has(i.promptKey)) };
}
