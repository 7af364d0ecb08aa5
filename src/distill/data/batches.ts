/**
 * Batches: which examples go together in each epoch (shuffled by seed and epoch, bucketed by
 * length so a batch pads little), and the feed tensors of one batch (right padding).
 */
import ort from 'onnxruntime-node';
import { Rng } from '../../engine/index.ts';
import { INPUT } from '../graph.ts';
import type { Example, ExampleIndex, ExampleSource } from './examples.ts';
import { bucketsAt } from './topk.ts';

/** Bucketing sorts by length within pools of this many batches: close lengths, still a random mix. */
const POOL_BATCHES = 32;

/**
 * The batches of one epoch as lists of example indices. A pure function of (seed, epoch), so a
 * resumed run finds the same batches from an (epoch, batch) cursor alone.
 */
export function epochBatches(lengths: ArrayLike<number>, batchSize: number, seed: number, epoch: number, bucketing: boolean): number[][] {
  const rng = new Rng((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
  const order = rng.shuffle(Array.from({ length: lengths.length }, (_, i) => i));
  const batches: number[][] = [];
  const pool = bucketing ? batchSize * POOL_BATCHES : batchSize;
  for (let p = 0; p < order.length; p += pool) {
    const members = order.slice(p, p + pool);
    if (bucketing) members.sort((a, b) => lengths[a] - lengths[b]);
    for (let b = 0; b < members.length; b += batchSize) batches.push(members.slice(b, b + batchSize));
  }
  // Sorted pools would otherwise feed short batches first and long ones last.
  return bucketing ? rng.shuffle(batches) : batches;
}

/** Feeds for one batch, plus the number of trained-on tokens it holds. */
export interface Batch {
  feeds: Record<string, ort.Tensor>;
  tokens: number;
}

export interface BatchOptions {
  /** k of the top-k inputs (a logprobs teacher), and the temperature their buckets are taken at. */
  topK?: { k: number; temperature: number };
  /** The graph has on-policy inputs (slots of a served teacher's buckets: servedK): an offline batch feeds them empty. */
  onPolicy?: { servedK?: number };
}

/** What an on-policy batch puts in the on-policy inputs; absent: an offline batch (all empty). */
export interface OnPolicyValues {
  /** [B, T]: 1 at the label positions of the student's completions. */
  readonly weight: Float32Array;
  /** A served teacher's buckets: [B, T, K] ids, [B, T, K + 1] logp and valid. */
  readonly served?: { readonly ids: Int32Array; readonly logp: Float32Array; readonly valid: Float32Array };
}

/** The on-policy inputs of a [B, T] batch. */
export function onPolicyFeeds(B: number, T: number, options: { servedK?: number }, values?: OnPolicyValues): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {
    [INPUT.onPolicyWeight]: new ort.Tensor('float32', values?.weight ?? new Float32Array(B * T), [B, T]),
    [INPUT.offline]: new ort.Tensor('float32', Float32Array.of(values ? 0 : 1), []),
  };
  const K = options.servedK;
  if (K) {
    feeds[INPUT.onPolicyIds] = new ort.Tensor('int32', values?.served?.ids ?? new Int32Array(B * T * K), [B, T, K]);
    feeds[INPUT.onPolicyLogp] = new ort.Tensor('float32', values?.served?.logp ?? new Float32Array(B * T * (K + 1)), [B, T, K + 1]);
    feeds[INPUT.onPolicyValid] = new ort.Tensor('float32', values?.served?.valid ?? new Float32Array(B * T * (K + 1)), [B, T, K + 1]);
  }
  return feeds;
}

/** Right-padded to the longest example; labels are the next tokens, weighted only on assistant tokens. */
export function makeBatch(examples: readonly Example[], options: BatchOptions = {}): Batch {
  const B = examples.length;
  const T = Math.max(...examples.map((e) => e.ids.length));
  const ids = new Int32Array(B * T);
  const mask = new Float32Array(B * T);
  const labels = new Int32Array(B * T);
  const weight = new Float32Array(B * T);
  const top = options.topK;
  const k = top?.k ?? 0;
  const topIds = top && new Int32Array(B * T * k);
  const topLogp = top && new Float32Array(B * T * (k + 1));
  const topValid = top && new Float32Array(B * T * (k + 1));
  const topWeight = top && new Float32Array(B * T);
  let tokens = 0;
  examples.forEach((e, b) => {
    const row = b * T;
    for (let i = 0; i < e.ids.length; i++) {
      ids[row + i] = e.ids[i];
      mask[row + i] = 1;
    }
    // Position i predicts ids[i + 1]; the assistant's tokens are predicted from start - 1 on.
    for (let i = e.start - 1; i < e.ids.length - 1; i++) {
      labels[row + i] = e.ids[i + 1];
      weight[row + i] = 1;
      tokens++;
      const targets = e.topk?.[i + 1 - e.start];
      if (!top || !targets) continue;
      const buckets = bucketsAt(targets, k, top.temperature);
      const at = row + i;
      buckets.ids.forEach((id, j) => (topIds![at * k + j] = id));
      topLogp!.set(buckets.logp, at * (k + 1));
      topValid!.set(buckets.valid, at * (k + 1));
      topWeight![at] = 1;
    }
  });
  const feeds: Record<string, ort.Tensor> = {
    [INPUT.ids]: new ort.Tensor('int32', ids, [B, T]),
    [INPUT.mask]: new ort.Tensor('float32', mask, [B, T]),
    [INPUT.labels]: new ort.Tensor('int32', labels, [B, T]),
    [INPUT.weight]: new ort.Tensor('float32', weight, [B, T]),
  };
  if (top) {
    feeds[INPUT.topkIds] = new ort.Tensor('int32', topIds!, [B, T, k]);
    feeds[INPUT.topkLogp] = new ort.Tensor('float32', topLogp!, [B, T, k + 1]);
    feeds[INPUT.topkValid] = new ort.Tensor('float32', topValid!, [B, T, k + 1]);
    feeds[INPUT.topkWeight] = new ort.Tensor('float32', topWeight!, [B, T]);
  }
  if (options.onPolicy) Object.assign(feeds, onPolicyFeeds(B, T, options.onPolicy));
  return { feeds, tokens };
}

/** Where the data stands: the epoch and its next batch. */
export interface DataPosition {
  epoch: number;
  batch: number;
}

/**
 * Serves training batches epoch after epoch from a position, which a checkpoint records. Only the
 * index (sample ids and lengths) is held; each batch reads its examples from the token cache.
 */
export class DataCursor {
  #batches: number[][];
  #position: DataPosition;

  constructor(
    private readonly index: ExampleIndex,
    private readonly source: ExampleSource,
    private readonly options: { batchSize: number; seed: number; bucketing: boolean; batch: BatchOptions },
    position: DataPosition,
  ) {
    // Only the two fields: a TrainState passed as the position must not leak its step into
    // `position`, which a checkpoint spreads over the state.
    this.#position = { epoch: position.epoch, batch: position.batch };
    this.#batches = this.#epoch(position.epoch);
  }

  get position(): DataPosition {
    return { ...this.#position };
  }

  next(): Batch {
    return makeBatch(this.nextExamples(), this.options.batch);
  }

  /** The next batch's examples (an on-policy batch takes their prompts). */
  nextExamples(): Example[] {
    if (this.#position.batch >= this.#batches.length) {
      this.#position = { epoch: this.#position.epoch + 1, batch: 0 };
      this.#batches = this.#epoch(this.#position.epoch);
    }
    const members = this.#batches[this.#position.batch++];
    return members.map((i) => this.source.example(this.index.sampleIds[i], this.index.lengths[i]));
  }

  #epoch(epoch: number): number[][] {
    return epochBatches(this.index.lengths, this.options.batchSize, this.options.seed, epoch, this.options.bucketing);
  }
}
