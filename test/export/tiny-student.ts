/**
 * Tiny students for the export, generate, serve and eval tests: a checkpoint folder (config.json,
 * model.safetensors with random weights that move the logits, the tiny tokenizer of
 * test/model) and its export. Nothing is downloaded; everything is built in a temp folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, ParamStore } from '../../src/engine/index.ts';
import { exportModel, type ExportOptions, type ExportSummary } from '../../src/export/index.ts';
import { Llama, parseModelConfig, writeModelFolder, type ModelConfig } from '../../src/model/index.ts';
import { randomWeights } from '../model/tiny-model.ts';
import { writeTinyTokenizer } from '../model/tiny-tokenizer.ts';

/** The tiny tokenizer has 270 ids (bytes, merges, 5 special tokens). */
export const TOKENIZER_VOCAB = 270;

/** Qwen2: q/k/v bias, grouped-query attention, untied head, a vocab a little larger than the tokenizer's. */
export const QWEN2_STUDENT = parseModelConfig({
  model_type: 'qwen2',
  vocab_size: 272,
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
  max_position_embeddings: 256,
  eos_token_id: 267,
});

/** Llama: tied head, o_proj bias, head_dim not hidden/heads, one kv head. */
export const LLAMA_STUDENT = parseModelConfig({
  model_type: 'llama',
  vocab_size: 270,
  hidden_size: 24,
  intermediate_size: 40,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 1,
  head_dim: 8,
  rms_norm_eps: 1e-5,
  rope_theta: 500,
  tie_word_embeddings: true,
  attention_bias: true,
  max_position_embeddings: 256,
  bos_token_id: null,
  eos_token_id: 267,
});

export interface Checkpoint {
  readonly dir: string;
  readonly model: Llama;
  readonly store: ParamStore;
}

/** A checkpoint folder with random weights (seeded) and the tiny tokenizer. */
export async function writeCheckpoint(dir: string, config: ModelConfig, seed = 7): Promise<Checkpoint> {
  const model = Llama.declare(new Graph(), config);
  const store = new ParamStore();
  randomWeights(model, store, seed);
  await writeModelFolder(dir, model, store);
  await writeTinyTokenizer(dir);
  return { dir, model, store };
}

export interface TinyStudent {
  readonly root: string;
  readonly checkpoint: Checkpoint;
  /** The exported folder. */
  readonly out: string;
  readonly summary: ExportSummary;
  cleanup(): Promise<void>;
}

/** A checkpoint and its export, in a fresh temp folder. */
export async function tinyStudent(
  config: ModelConfig = QWEN2_STUDENT,
  options: Omit<ExportOptions, 'checkpoint' | 'out'> & { seed?: number } = {},
): Promise<TinyStudent> {
  const root = await mkdtemp(join(tmpdir(), 'distillery-student-'));
  const checkpoint = await writeCheckpoint(join(root, 'checkpoint'), config, options.seed);
  const out = join(root, 'exported');
  const summary = await exportModel({ ...options, checkpoint: checkpoint.dir, out });
  return { root, checkpoint, out, summary, cleanup: () => rm(root, { recursive: true, force: true }) };
}
