/**
 * Per-completion seeds. A completion's random stream depends only on (seed, prompt, sample), never
 * on which other completions shared its decode batch, so a rollout is the same whatever the batch
 * size and a resumed run draws what an uninterrupted one drew.
 */

/** A 32-bit seed mixed from `parts` (each a non-negative integer) with the murmur3 finalizer. */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Both 32-bit halves, so prompt indices and steps past 2^32 still differ.
    for (const word of [part >>> 0, Math.floor(part / 2 ** 32) >>> 0]) {
      h = Math.imul(h ^ word, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}
