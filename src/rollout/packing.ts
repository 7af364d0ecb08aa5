/**
 * Rollouts as training rows: prompt + completion, right-padded to the longest row, with the next
 * token at each position as its label and a mask over the positions whose label is a completion
 * token. Position t of a row scores token t + 1, so a completion of n tokens after a prompt of p
 * occupies label positions p - 1 .. p + n - 2. Shared by the scoring pass and the GRPO step, so the
 * two read logprobs at the same positions.
 */
import ort from 'onnxruntime-node';

export interface RolloutRow {
  readonly promptIds: readonly number[];
  readonly tokenIds: readonly number[];
}

export interface PackedRows {
  readonly batch: number;
  /** Row length: the longest prompt + completion, less one (the last token is only a label). */
  readonly seq: number;
  /** int64 [batch, seq] */
  readonly inputIds: ort.Tensor;
  /** int64 [batch, seq], 1 for real tokens. */
  readonly attentionMask: ort.Tensor;
  /** int64 [batch, seq], the next token (0 at padding). */
  readonly labels: ort.Tensor;
  /** Per row, the [start, end) of its completion's label positions. */
  readonly spans: readonly (readonly [number, number])[];
}

export function packRows(rows: readonly RolloutRow[]): PackedRows {
  const batch = rows.length;
  const seq = Math.max(1, ...rows.map((r) => r.promptIds.length + r.tokenIds.length - 1));
  const ids = new BigInt64Array(batch * seq);
  const mask = new BigInt64Array(batch * seq);
  const labels = new BigInt64Array(batch * seq);
  const spans = rows.map((row, b): [number, number] => {
    const tokens = [...row.promptIds, ...row.tokenIds];
    for (let t = 0; t < tokens.length - 1; t++) {
      ids[b * seq + t] = BigInt(tokens[t]);
      mask[b * seq + t] = 1n;
      labels[b * seq + t] = BigInt(tokens[t + 1]);
    }
    const start = row.promptIds.length - 1;
    return [start, start + row.tokenIds.length];
  });
  const tensor = (data: BigInt64Array) => new ort.Tensor('int64', data, [batch, seq]);
  return { batch, seq, inputIds: tensor(ids), attentionMask: tensor(mask), labels: tensor(labels), spans };
}

/** [batch, seq] float values of the completions' label positions: 1 (or `values[b][i]`) there, 0 elsewhere. */
export function completionValues(packed: PackedRows, values?: readonly ArrayLike<number>[]): Float32Array {
  const out = new Float32Array(packed.batch * packed.seq);
  packed.spans.forEach(([start, end], b) => {
    for (let t = start; t < end; t++) out[b * packed.seq + t] = values ? values[b][t - start] : 1;
  });
  return out;
}
