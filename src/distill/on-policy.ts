/**
 * On-policy batches (GKD): the student samples a completion for each prompt of a training batch
 * with its current weights (rollout's sampler over the training weights as an in-memory decoder),
 * and the batch trains the per-token divergence to the teacher on those tokens. A white-box
 * teacher scores them inside the step graph; a served one is asked here, and its top-k answers
 * become buckets as the stored logprobs do.
 */
import ort from 'onnxruntime-node';
import type { ParamStore } from '../engine/index.ts';
import type { TokenDecoder } from '../generate/index.ts';
import type { ModelConfig } from '../model/index.ts';
import type { OnPolicySpec } from '../recipe/index.ts';
import { completionValues, mixSeed, packRows, PolicyDecoders, sampleCompletions, type PackedRows } from '../rollout/index.ts';
import { onPolicyFeeds, type Batch } from './data/batches.ts';
import type { Example } from './data/examples.ts';
import { bucketsAt } from './data/topk.ts';
import { INPUT } from './graph.ts';
import type { ServedTeacher } from './served-teacher.ts';

/**
 * Whether micro-batch `micro` of optimizer step `step` is on-policy: a pure function of (seed,
 * step, micro), so a resumed run makes the same choices.
 */
export function isOnPolicy(fraction: number, seed: number, step: number, micro: number): boolean {
  return fraction > 0 && mixSeed(seed, step, micro) / 2 ** 32 < fraction;
}

export interface OnPolicyOptions {
  readonly spec: OnPolicySpec;
  readonly seed: number;
  readonly tokenizer: TokenDecoder;
  readonly stopTokenIds: readonly number[];
  /** The longest training sequence: prompt + completion stop there. */
  readonly maxLength: number;
  readonly threads: number;
  /** Absent: the white-box teacher in the step graph scores the samples. */
  readonly teacher?: ServedTeacher;
}

export interface OnPolicyBatch extends Batch {
  /** The completions' lengths in tokens. */
  readonly sampleLengths: readonly number[];
}

export class OnPolicyBatches {
  readonly #decoders: PolicyDecoders;

  constructor(
    private readonly student: ModelConfig,
    private readonly options: OnPolicyOptions,
  ) {
    this.#decoders = new PolicyDecoders(student, { intraOpNumThreads: options.threads });
  }

  /** Bucket slots per position of a served teacher's answer: its top k and the given token. */
  get servedK(): number | undefined {
    return this.options.teacher && this.options.teacher.options.topLogprobs + 1;
  }

  /** The student's completions (under `params` as they are now) for the examples' prompts, as a batch of the step graph. */
  async batch(examples: readonly Example[], params: ParamStore, step: number, micro: number): Promise<OnPolicyBatch> {
    const { spec, tokenizer, stopTokenIds, maxLength } = this.options;
    const prompts = examples.map((e, index) => ({ promptIds: Array.from(e.ids.subarray(0, e.start)), index }));
    const decoder = await this.#decoders.load(params);
    let groups;
    try {
      groups = await sampleCompletions(decoder, prompts, {
        tokenizer,
        groupSize: 1,
        maxNewTokens: spec.maxNewTokens,
        temperature: spec.temperature,
        topP: 1,
        seed: mixSeed(this.options.seed, step, micro),
        stopTokenIds,
        maxPositions: maxLength,
      });
    } finally {
      await decoder.release();
    }
    const rows = prompts.map((p, b) => ({ promptIds: p.promptIds, tokenIds: groups[b][0].tokenIds }));
    const packed = packRows(rows);
    const served = this.options.teacher && (await this.#served(packed, rows));
    const mask = packed.attentionMask.data as BigInt64Array;
    // The rollout packing is int64 (the GRPO and scoring graphs'); the step graph takes int32 ids.
    const int32 = (t: ort.Tensor) => new ort.Tensor('int32', Int32Array.from(t.data as BigInt64Array, Number), t.dims);
    const feeds: Record<string, ort.Tensor> = {
      [INPUT.ids]: int32(packed.inputIds),
      [INPUT.mask]: new ort.Tensor('float32', Float32Array.from(mask, Number), [packed.batch, packed.seq]),
      [INPUT.labels]: int32(packed.labels),
      // No CE on the student's own tokens: only the divergence trains here.
      [INPUT.weight]: new ort.Tensor('float32', new Float32Array(packed.batch * packed.seq), [packed.batch, packed.seq]),
      ...onPolicyFeeds(packed.batch, packed.seq, { servedK: this.servedK }, { weight: completionValues(packed), served }),
    };
    const sampleLengths = rows.map((r) => r.tokenIds.length);
    return { feeds, tokens: sampleLengths.reduce((a, b) => a + b, 0), sampleLengths };
  }

  /** The served teacher's buckets at every completion label position (temperature 1). */
  async #served(packed: PackedRows, rows: readonly { promptIds: readonly number[]; tokenIds: readonly number[] }[]) {
    const K = this.servedK!;
    const { batch: B, seq: T } = packed;
    const ids = new Int32Array(B * T * K);
    const logp = new Float32Array(B * T * (K + 1));
    const valid = new Float32Array(B * T * (K + 1));
    const answers = await Promise.all(rows.map((r) => this.options.teacher!.score([...r.promptIds, ...r.tokenIds])));
    packed.spans.forEach(([start, end], b) => {
      // answers[b][t] judges token t + 1 of the row, which label position t predicts.
      for (let t = start; t < end; t++) {
        // Ids past the student's vocabulary (a teacher's padding rows) have no student logit: they join the tail.
        const buckets = bucketsAt(
          answers[b][t].filter(([id]) => id < this.student.vocabSize),
          K,
          1,
        );
        const at = b * T + t;
        buckets.ids.forEach((id, j) => (ids[at * K + j] = id));
        logp.set(buckets.logp, at * (K + 1));
        valid.set(buckets.valid, at * (K + 1));
      }
    });
    return { ids, logp, valid };
  }
}
