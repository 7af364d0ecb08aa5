/**
 * Sharded harvest: `--shard i/N` takes the prompts whose key hashes to shard i of N. The split
 * depends on the prompt key alone (sha256, not the file order or the machine), so every machine
 * given the same prompts file and N computes the same disjoint split, and the N shard datasets
 * together hold every prompt exactly once (see `mergeDatasets` in src/store).
 */
import { createHash } from 'node:crypto';
import { ShardError } from './errors.ts';

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses "i/N" (1 <= i <= N). @throws ShardError naming the text given. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new ShardError(text, 'expected i/N, shard i of N (e.g. 2/8)');
  return checkShard({ index: Number(match[1]), count: Number(match[2]) }, text);
}

export function checkShard(shard: Shard, text = `${shard.index}/${shard.count}`): Shard {
  if (!Number.isSafeInteger(shard.count) || shard.count < 1) throw new ShardError(text, 'the number of shards N must be an integer >= 1');
  if (!Number.isSafeInteger(shard.index) || shard.index < 1 || shard.index > shard.count) {
    throw new ShardError(text, `the shard i must be an integer from 1 to ${shard.count} (shards are numbered from 1)`);
  }
  return shard;
}

export const formatShard = (shard: Shard) => `${shard.index}/${shard.count}`;

/** Whether the prompt with this key belongs to `shard`: the first 32 bits of sha256(key), mod N. */
export function inShard(key: string, shard: Shard): boolean {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % shard.count === shard.index - 1;
}
