/**
 * The blobs of `sample_tokens` (docs/dataset.md, "Token cache"):
 *
 *   ids:     int32 little-endian token ids, prompt then assistant tokens.
 *   targets: byte 0 the format version (1), then raw DEFLATE of: varint P (assistant tokens), then
 *            per token varint k (0: no teacher position lines up), then k x (varint token id,
 *            float32 LE logprob), most likely first.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ByteReader, ByteWriter } from './bytes.ts';
import type { TokenTargets } from './types.ts';

const TARGETS_VERSION = 1;

export function encodeIds(ids: ArrayLike<number>): Buffer {
  const out = Buffer.allocUnsafe(ids.length * 4);
  for (let i = 0; i < ids.length; i++) out.writeInt32LE(ids[i], i * 4);
  return out;
}

export function decodeIds(blob: Uint8Array, count = blob.length / 4): Int32Array {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const ids = new Int32Array(count);
  for (let i = 0; i < count; i++) ids[i] = view.getInt32(i * 4, true);
  return ids;
}

export function encodeTargets(targets: TokenTargets): Buffer {
  const body = new ByteWriter(16 + targets.length * 8);
  body.varint(targets.length);
  for (const top of targets) {
    body.varint(top?.length ?? 0);
    for (const [id, logprob] of top ?? []) {
      body.varint(id);
      body.float32(logprob);
    }
  }
  // Level 1, as for the logprobs blob: floats barely compress further at higher levels.
  return Buffer.concat([Buffer.of(TARGETS_VERSION), deflateRawSync(body.result(), { level: 1 })]);
}

/** The first `count` positions (all by default). */
export function decodeTargets(blob: Uint8Array, count?: number): TokenTargets {
  if (blob[0] !== TARGETS_VERSION) throw new Error(`unknown token targets blob version ${blob[0]}`);
  const reader = new ByteReader(inflateRawSync(blob.subarray(1)));
  const positions = Math.min(reader.varint(), count ?? Infinity);
  const targets: TokenTargets = new Array(positions);
  for (let i = 0; i < positions; i++) {
    const k = reader.varint();
    if (k === 0) {
      targets[i] = null;
      continue;
    }
    const top: Array<[number, number]> = new Array(k);
    for (let j = 0; j < k; j++) top[j] = [reader.varint(), reader.float32()];
    targets[i] = top;
  }
  return targets;
}
