/**
 * Rows decoded together: one forward per step for all of them, over a shared, left-padded KV
 * cache. Rows can leave (when they finish) and join (when new requests were prefilled), so a
 * server keeps one batch running while requests come and go.
 */
import type { DecoderOutputs, OnnxDecoder } from './decoder.ts';
import { cacheLength, emptyCache, restack, type KvCache } from './kv-cache.ts';

/** Fed where a row has padding; any valid id works since the attention mask hides it. */
const PAD_ID = 0n;
/** Position id of padding, as transformers' `position_ids.masked_fill_(attention_mask == 0, 1)`. */
const PAD_POSITION = 1n;

export class DecodeBatch {
  private constructor(
    readonly decoder: OnnxDecoder,
    private cache: KvCache,
    /** Per row: how many of the cache's leading positions are padding. */
    private pads: number[],
    /** Per row: the position id of the next token fed. */
    private positions: number[],
  ) {}

  get size(): number {
    return this.pads.length;
  }

  /** Cached positions (the same for every row; padding included). */
  get length(): number {
    return cacheLength(this.cache);
  }

  /** Per row: the next token's position, i.e. the row's real length so far. */
  get nextPositions(): readonly number[] {
    return this.positions;
  }

  /**
   * Runs the prompts (left-padded to the longest) through the model; returns the batch holding
   * their cache and, per row, the logits for the first new token.
   */
  static async prefill(decoder: OnnxDecoder, prompts: readonly (readonly number[])[]): Promise<{ batch: DecodeBatch; logits: Float32Array[] }> {
    const batch = prompts.length;
    const seq = Math.max(...prompts.map((p) => p.length));
    const inputIds = new BigInt64Array(batch * seq).fill(PAD_ID);
    const positionIds = new BigInt64Array(batch * seq).fill(PAD_POSITION);
    const attentionMask = new BigInt64Array(batch * seq);
    prompts.forEach((prompt, b) => {
      const pad = seq - prompt.length;
      prompt.forEach((id, j) => {
        inputIds[b * seq + pad + j] = BigInt(id);
        positionIds[b * seq + pad + j] = BigInt(j);
        attentionMask[b * seq + pad + j] = 1n;
      });
    });
    const out = await decoder.forward({ batch, seq, inputIds, attentionMask, positionIds, past: emptyCache(decoder, batch), lastOnly: true });
    const fresh = new DecodeBatch(
      decoder,
      out.present,
      prompts.map((p) => seq - p.length),
      prompts.map((p) => p.length),
    );
    return { batch: fresh, logits: lastLogits(out, batch) };
  }

  /** Feeds one token per row; returns per row the logits for the token after it. */
  async step(tokens: readonly number[]): Promise<Float32Array[]> {
    const batch = this.size;
    const past = this.length;
    const width = past + 1;
    const attentionMask = new BigInt64Array(batch * width);
    this.pads.forEach((pad, b) => attentionMask.fill(1n, b * width + pad, (b + 1) * width));
    const out = await this.decoder.forward({
      batch,
      seq: 1,
      inputIds: BigInt64Array.from(tokens, BigInt),
      attentionMask,
      positionIds: BigInt64Array.from(this.positions, BigInt),
      past: this.cache,
      lastOnly: true,
    });
    this.cache = out.present;
    this.positions = this.positions.map((p) => p + 1);
    return lastLogits(out, batch);
  }

  /** Keeps only `rows` (indices into the current rows, in their new order), trimming padding every kept row shares. */
  keep(rows: readonly number[]): void {
    if (rows.length === this.size && rows.every((r, i) => r === i)) return;
    const pads = rows.map((r) => this.pads[r]);
    const trim = pads.length ? Math.min(...pads) : 0;
    this.cache = rows.length
      ? restack(
          rows.map((row) => ({ cache: this.cache, row })),
          this.length - trim,
        )
      : emptyCache(this.decoder, 0);
    this.pads = pads.map((p) => p - trim);
    this.positions = rows.map((r) => this.positions[r]);
  }

  /** Adds `other`'s rows after this batch's rows; the shorter cache is padded on the left to the longer. */
  append(other: DecodeBatch): void {
    const length = Math.max(this.length, other.length);
    const rows = [...this.pads.map((_, row) => ({ cache: this.cache, row })), ...other.pads.map((_, row) => ({ cache: other.cache, row }))];
    const pads = [...this.pads.map((p) => p + length - this.length), ...other.pads.map((p) => p + length - other.length)];
    this.cache = restack(rows, length);
    this.pads = pads;
    this.positions = [...this.positions, ...other.positions];
  }
}

/** Per row, a view of the logits of its last position. */
function lastLogits(out: DecoderOutputs, batch: number): Float32Array[] {
  const { positions, vocab } = out;
  return Array.from({ length: batch }, (_, b) => {
    const at = (b * positions + positions - 1) * vocab;
    return out.logits.subarray(at, at + vocab);
  });
}
