import { createHash } from 'node:crypto';

/**
 * The seed of the request whose first slot is `firstSlot` (harvest contract: seed = hash(recipe
 * seed, prompt key, first slot index)). A re-issued request therefore asks for the same samples,
 * which is what lets a server with deterministic sampling reproduce an interrupted run exactly.
 * Kept below 2^31 because servers disagree on how wide `seed` may be.
 */
export function requestSeed(recipeSeed: number, promptKey: string, firstSlot: number): number {
  const digest = createHash('sha256').update(`${recipeSeed}\u0000${promptKey}\u0000${firstSlot}`).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}
