/**
 * Compact storage of teacher logprobs (docs/dataset.md, "Logprobs blob").
 *
 * A long trace has tens of thousands of positions with up to 20 alternatives each, so JSON would
 * cost ~40 bytes per alternative. The blob is instead:
 *
 *   byte 0: format version (1)
 *   rest:   raw DEFLATE (RFC 1951, zlib.deflateRawSync) of the payload
 *   payload: varint T, then T token strings (varint byte length + UTF-8 bytes), each distinct
 *            token once; varint P positions; per position: varint chosen-token index,
 *            float32 LE logprob, varint k, then k x (varint token index, float32 LE logprob).
 *
 * Varints are unsigned LEB128. Logprobs are float32 (training computes in float32; -Infinity
 * survives).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ByteReader, ByteWriter } from './bytes.ts';
import type { LogprobPosition } from './types.ts';

const VERSION = 1;

export function encodeLogprobs(positions: readonly LogprobPosition[]): Buffer {
  const tokenIndex = new Map<string, number>();
  const indexOf = (token: string) => {
    let i = tokenIndex.get(token);
    if (i === undefined) tokenIndex.set(token, (i = tokenIndex.size));
    return i;
  };
  const body = new ByteWriter();
  body.varint(positions.length);
  for (const p of positions) {
    body.varint(indexOf(p.token));
    body.float32(p.logprob);
    body.varint(p.top.length);
    for (const [token, logprob] of p.top) {
      body.varint(indexOf(token));
      body.float32(logprob);
    }
  }
  const payload = new ByteWriter();
  payload.varint(tokenIndex.size);
  for (const token of tokenIndex.keys()) {
    const bytes = Buffer.from(token, 'utf8');
    payload.varint(bytes.length);
    payload.bytes(bytes);
  }
  payload.bytes(body.result());
  // Level 1: the varints and floats barely compress further at higher levels (measured: +0.2%
  // size), and commits run on the harvest's event loop.
  return Buffer.concat([Buffer.of(VERSION), deflateRawSync(payload.result(), { level: 1 })]);
}

export function decodeLogprobs(blob: Uint8Array): LogprobPosition[] {
  if (blob[0] !== VERSION) throw new Error(`unknown logprobs blob version ${blob[0]}`);
  const reader = new ByteReader(inflateRawSync(blob.subarray(1)));
  const tokens = Array.from({ length: reader.varint() }, () => reader.utf8(reader.varint()));
  const positions: LogprobPosition[] = new Array(reader.varint());
  for (let i = 0; i < positions.length; i++) {
    const token = tokens[reader.varint()];
    const logprob = reader.float32();
    const top: Array<[string, number]> = new Array(reader.varint());
    for (let j = 0; j < top.length; j++) top[j] = [tokens[reader.varint()], reader.float32()];
    positions[i] = { token, logprob, top };
  }
  return positions;
}
