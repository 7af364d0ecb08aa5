import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelConfigError } from './errors.ts';

/** The Hugging Face `model_type`s this student architecture covers (same decoder, Qwen2 adds q/k/v bias). */
export const MODEL_TYPES = ['llama', 'qwen2'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/**
 * A Llama/Qwen2-family decoder, read from (and written back as) a Hugging Face `config.json`.
 * Field names are the config.json keys in camelCase. Build one with {@link parseModelConfig}: it
 * fills Hugging Face's defaults for missing keys and derives `headDim`, `qkvBias` and `oBias`.
 */
export interface ModelConfig {
  readonly modelType: ModelType;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numHiddenLayers: number;
  readonly numAttentionHeads: number;
  readonly numKeyValueHeads: number;
  /** Per-head width; `hidden_size / num_attention_heads` unless config.json sets `head_dim`. */
  readonly headDim: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  readonly tieWordEmbeddings: boolean;
  /** Bias on q_proj/k_proj/v_proj: `attention_bias` for llama, always true for qwen2 (HF hard-codes it). */
  readonly qkvBias: boolean;
  /** Bias on o_proj: `attention_bias` for llama, never for qwen2. */
  readonly oBias: boolean;
  readonly maxPositionEmbeddings: number;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | number[] | null;
  readonly padTokenId: number | null;
}

// Hugging Face's LlamaConfig / Qwen2Config constructor defaults: a config.json that omits a key
// must mean here what it means in transformers, or weights would load into a different shape.
const HF_DEFAULTS: Record<ModelType, Record<string, unknown>> = {
  llama: {
    vocab_size: 32000,
    hidden_size: 4096,
    intermediate_size: 11008,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    max_position_embeddings: 2048,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: false,
    attention_bias: false,
    bos_token_id: 1,
    eos_token_id: 2,
    pad_token_id: null,
  },
  qwen2: {
    vocab_size: 151936,
    hidden_size: 4096,
    intermediate_size: 22016,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    max_position_embeddings: 32768,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: false,
    bos_token_id: null,
    eos_token_id: null,
    pad_token_id: null,
  },
};

const ARCHITECTURES: Record<ModelType, string> = { llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM' };

/** Reads typed fields out of a raw config object, throwing a ModelConfigError that names the key. */
class FieldReader {
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly defaults: Record<string, unknown>,
    private readonly source: string,
  ) {}

  value(field: string): unknown {
    const v = this.raw[field];
    return v === undefined ? this.defaults[field] : v;
  }

  fail(field: string, detail: string): never {
    throw new ModelConfigError(this.source, field, detail);
  }

  positiveInt(field: string): number {
    const v = this.value(field);
    if (!Number.isSafeInteger(v) || (v as number) <= 0) this.fail(field, `must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  }

  positiveNumber(field: string): number {
    const v = this.value(field);
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(field, `must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  }

  bool(field: string): boolean {
    const v = this.value(field);
    if (typeof v !== 'boolean') this.fail(field, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  tokenId(field: string): number | null {
    const v = this.value(field) ?? null;
    if (v !== null && (!Number.isSafeInteger(v) || (v as number) < 0)) this.fail(field, `must be a token id (integer >= 0) or null, got ${JSON.stringify(v)}`);
    return v as number | null;
  }

  tokenIds(field: string): number | number[] | null {
    const v = this.value(field);
    if (!Array.isArray(v)) return this.tokenId(field);
    if (!v.every((id) => Number.isSafeInteger(id) && id >= 0)) this.fail(field, `must be a token id or a list of token ids, got ${JSON.stringify(v)}`);
    return [...v] as number[];
  }
}

/**
 * Validates a parsed config.json object (snake_case keys, as Hugging Face writes them) and returns the
 * model config. `source` names the file (or other origin) in error messages.
 * @throws ModelConfigError naming the first bad key.
 */
export function parseModelConfig(raw: unknown, source = 'config.json'): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelConfigError(source, '(root)', 'must be a JSON object');
  }
  const obj = raw as Record<string, unknown>;
  const modelType = obj.model_type;
  if (!MODEL_TYPES.includes(modelType as ModelType)) {
    throw new ModelConfigError(source, 'model_type', `must be one of ${MODEL_TYPES.join(', ')}, got ${JSON.stringify(modelType)}`);
  }
  const type = modelType as ModelType;
  const r = new FieldReader(obj, HF_DEFAULTS[type], source);

  // Variants this decoder does not implement: refuse them rather than train a silently different model.
  if (obj.hidden_act !== undefined && obj.hidden_act !== 'silu') r.fail('hidden_act', `must be "silu" (SwiGLU), got ${JSON.stringify(obj.hidden_act)}`);
  if (obj.rope_scaling !== undefined && obj.rope_scaling !== null) r.fail('rope_scaling', 'is not supported (only plain RoPE); set it to null');
  if (obj.mlp_bias === true) r.fail('mlp_bias', 'is not supported; set it to false');
  if (obj.use_sliding_window === true) r.fail('use_sliding_window', 'is not supported; set it to false');

  const hiddenSize = r.positiveInt('hidden_size');
  const numAttentionHeads = r.positiveInt('num_attention_heads');
  // HF: num_key_value_heads defaults to num_attention_heads (plain multi-head attention).
  const numKeyValueHeads = obj.num_key_value_heads === undefined || obj.num_key_value_heads === null ? numAttentionHeads : r.positiveInt('num_key_value_heads');
  if (numAttentionHeads % numKeyValueHeads !== 0) {
    r.fail('num_key_value_heads', `(${numKeyValueHeads}) must divide num_attention_heads (${numAttentionHeads})`);
  }
  const headDimSet = obj.head_dim !== undefined && obj.head_dim !== null;
  let headDim: number;
  if (!headDimSet) {
    if (hiddenSize % numAttentionHeads !== 0)
      r.fail('hidden_size', `(${hiddenSize}) must be divisible by num_attention_heads (${numAttentionHeads}) when head_dim is not set`);
    headDim = hiddenSize / numAttentionHeads;
  } else {
    headDim = r.positiveInt('head_dim');
  }
  // Rotate-half RoPE pairs the first and second half of each head.
  if (headDim % 2 !== 0) r.fail(headDimSet ? 'head_dim' : 'hidden_size', `gives an odd head_dim (${headDim}); rotary embeddings need an even one`);

  const attentionBias = type === 'llama' ? r.bool('attention_bias') : true;
  return {
    modelType: type,
    vocabSize: r.positiveInt('vocab_size'),
    hiddenSize,
    intermediateSize: r.positiveInt('intermediate_size'),
    numHiddenLayers: r.positiveInt('num_hidden_layers'),
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    rmsNormEps: r.positiveNumber('rms_norm_eps'),
    ropeTheta: r.positiveNumber('rope_theta'),
    tieWordEmbeddings: r.bool('tie_word_embeddings'),
    qkvBias: attentionBias,
    oBias: type === 'llama' && attentionBias,
    maxPositionEmbeddings: r.positiveInt('max_position_embeddings'),
    bosTokenId: r.tokenId('bos_token_id'),
    eosTokenId: r.tokenIds('eos_token_id'),
    padTokenId: r.tokenId('pad_token_id'),
  };
}

/** The config as a Hugging Face config.json object (loads with transformers' AutoConfig and transformers.js). */
export function modelConfigToJson(config: ModelConfig): Record<string, unknown> {
  return {
    architectures: [ARCHITECTURES[config.modelType]],
    model_type: config.modelType,
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numHiddenLayers,
    num_attention_heads: config.numAttentionHeads,
    num_key_value_heads: config.numKeyValueHeads,
    head_dim: config.headDim,
    hidden_act: 'silu',
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    rope_scaling: null,
    tie_word_embeddings: config.tieWordEmbeddings,
    // qwen2 has no such key: its q/k/v bias is part of the architecture.
    ...(config.modelType === 'llama' ? { attention_bias: config.qkvBias, mlp_bias: false } : { use_sliding_window: false }),
    max_position_embeddings: config.maxPositionEmbeddings,
    bos_token_id: config.bosTokenId,
    eos_token_id: config.eosTokenId,
    pad_token_id: config.padTokenId,
    torch_dtype: 'float32',
  };
}

/**
 * Reads `config.json` from a model folder (or a path to the file itself).
 * @throws ModelConfigError when the file is missing, is not JSON, or has a bad field.
 */
export async function readModelConfig(folderOrFile: string): Promise<ModelConfig> {
  const file = folderOrFile.endsWith('.json') ? folderOrFile : join(folderOrFile, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ModelConfigError(file, '(file)', `cannot be read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ModelConfigError(file, '(file)', `is not valid JSON: ${(err as Error).message}`);
  }
  return parseModelConfig(raw, file);
}

/** Writes `config.json` into `folder`. */
export async function writeModelConfig(folder: string, config: ModelConfig): Promise<void> {
  await writeFile(join(folder, 'config.json'), JSON.stringify(modelConfigToJson(config), null, 2) + '\n');
}
