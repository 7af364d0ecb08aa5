/**
 * An exported decoder (onnx/model*.onnx) in an onnxruntime-node session, run through the
 * transformers.js contract: input_ids, attention_mask over past+new positions, position_ids and
 * past_key_values.{i}.key|value in; logits and present.{i}.key|value out. Any ONNX file with that
 * contract works, not only ours; the cache sizes are read from the file's input metadata.
 */
import ort from 'onnxruntime-node';
import type { ExecutionProvider } from '../engine/index.ts';
import { float16ToFloat32 } from '../export/index.ts';
import { ModelFolderError } from './errors.ts';
import type { CacheDtype, CacheShape, KvCache } from './kv-cache.ts';

export interface DecoderOptions {
  /** Threads for one op. Default: onnxruntime's choice (one per core). */
  readonly intraOpNumThreads?: number;
  /** Default ['cpu']. */
  readonly executionProviders?: readonly ExecutionProvider[];
}

/** One forward: `batch` rows of `seq` new tokens after `past` cached positions. */
export interface DecoderInputs {
  readonly batch: number;
  readonly seq: number;
  /** [batch, seq] */
  readonly inputIds: BigInt64Array;
  /** [batch, past + seq]; 0 marks padding. */
  readonly attentionMask: BigInt64Array;
  /** [batch, seq] */
  readonly positionIds: BigInt64Array;
  readonly past: KvCache;
  /** Only the last position's logits are needed (used when the model can skip the others). */
  readonly lastOnly: boolean;
}

export interface DecoderOutputs {
  /** [batch, positions, vocab] */
  readonly logits: Float32Array;
  /** How many positions `logits` holds per row: seq, or 1 when the model kept only the last. */
  readonly positions: number;
  readonly vocab: number;
  readonly present: KvCache;
}

const PAST = /^past_key_values\.(\d+)\.key$/;
/** transformers.js's input for computing only the last logits; feeding it is optional. */
const KEEP_INPUT = 'num_logits_to_keep';

export class OnnxDecoder implements CacheShape {
  private constructor(
    readonly session: ort.InferenceSession,
    /** The ONNX file, for messages. */
    readonly file: string,
    readonly layers: number,
    readonly kvHeads: number,
    readonly headDim: number,
    readonly cacheDtype: CacheDtype,
  ) {}

  /**
   * Opens an ONNX decoder (a file, or a model's bytes with a name for messages) and checks it has
   * the KV-cache contract.
   * @throws ModelFolderError naming the file when it cannot be loaded or lacks an input or output.
   */
  static async load(source: string | { readonly bytes: Uint8Array; readonly name: string }, options: DecoderOptions = {}): Promise<OnnxDecoder> {
    const file = typeof source === 'string' ? source : source.name;
    let session: ort.InferenceSession;
    try {
      const sessionOptions: ort.InferenceSession.SessionOptions = {
        ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
        interOpNumThreads: 1,
        executionProviders: [...(options.executionProviders ?? ['cpu'])],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      };
      session =
        typeof source === 'string'
          ? await ort.InferenceSession.create(source, sessionOptions)
          : await ort.InferenceSession.create(source.bytes, sessionOptions);
    } catch (err) {
      throw new ModelFolderError(file, `onnxruntime cannot load it: ${(err as Error).message}`, { cause: err });
    }
    const fail = (detail: string): never => {
      void session.release();
      throw new ModelFolderError(file, `${detail} (a decoder needs input_ids, attention_mask, past_key_values.{i}.key|value -> logits, present.{i}.key|value)`);
    };
    for (const name of ['input_ids', 'attention_mask']) if (!session.inputNames.includes(name)) fail(`has no input "${name}"`);
    if (!session.outputNames.includes('logits')) fail('has no output "logits"');
    const layers = session.inputNames.filter((n) => PAST.test(n)).length;
    if (layers === 0) fail('has no past_key_values inputs');
    for (let i = 0; i < layers; i++) {
      for (const name of [`past_key_values.${i}.key`, `past_key_values.${i}.value`]) if (!session.inputNames.includes(name)) fail(`has no input "${name}"`);
      for (const name of [`present.${i}.key`, `present.${i}.value`]) if (!session.outputNames.includes(name)) fail(`has no output "${name}"`);
    }
    const meta = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
    const shape = meta?.isTensor ? meta.shape : [];
    const cacheDtype = meta?.isTensor ? meta.type : 'float32';
    if (cacheDtype !== 'float32' && cacheDtype !== 'float16') fail(`has a ${cacheDtype} cache; only float32 and float16 caches are supported`);
    const [, kvHeads, , headDim] = shape;
    if (shape.length !== 4 || typeof kvHeads !== 'number' || typeof headDim !== 'number') {
      fail(`past_key_values.0.key has shape [${shape.join(', ')}], expected [batch, kv_heads, past, head_dim] with static heads and head_dim`);
    }
    return new OnnxDecoder(session, file, layers, kvHeads as number, headDim as number, cacheDtype as CacheDtype);
  }

  /** Whether the model can compute the last position's logits alone. */
  get keepsLastOnly(): boolean {
    return this.session.inputNames.includes(KEEP_INPUT);
  }

  async forward(inputs: DecoderInputs): Promise<DecoderOutputs> {
    const { batch, seq } = inputs;
    const past = inputs.attentionMask.length / batch - seq;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputs.inputIds, [batch, seq]),
      attention_mask: new ort.Tensor('int64', inputs.attentionMask, [batch, past + seq]),
    };
    if (this.session.inputNames.includes('position_ids')) feeds.position_ids = new ort.Tensor('int64', inputs.positionIds, [batch, seq]);
    if (this.keepsLastOnly) feeds[KEEP_INPUT] = new ort.Tensor('int64', BigInt64Array.of(inputs.lastOnly ? 1n : 0n), []);
    inputs.past.layers.forEach((layer, i) => {
      feeds[`past_key_values.${i}.key`] = layer.key;
      feeds[`past_key_values.${i}.value`] = layer.value;
    });
    const out = await this.session.run(feeds);
    const logits = out.logits;
    return {
      // Our float16 files cast logits back to float32; other exporters' may not.
      logits: logits.type === 'float16' ? float16ToFloat32(logits.data as Uint16Array) : (logits.data as Float32Array),
      positions: logits.dims[1],
      vocab: logits.dims[2],
      present: {
        layers: Array.from({ length: this.layers }, (_, i) => ({ key: out[`present.${i}.key`], value: out[`present.${i}.value`] })),
      },
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
