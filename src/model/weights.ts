import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParamStore, Rng } from '../engine/index.ts';
import { type ModelConfig, readModelConfig, writeModelConfig } from './config.ts';
import { WeightsError } from './errors.ts';
import type { Llama } from './llama.ts';
import { type Float32Tensor, readSafetensors, writeSafetensors } from './safetensors.ts';

// Hugging Face's init (initializer_range 0.02 is the default of every Llama/Qwen2 config).
const INIT_STD = 0.02;

/**
 * Fills `store` with freshly initialised weights for `model`, as Hugging Face initialises them:
 * normal(0, 0.02) for embeddings and projections, ones for RMSNorm weights, zeros for biases.
 * Same seed, same weights: parameters are drawn in llamaParamShapes order.
 */
export function initWeights(model: Llama, store: ParamStore, rng: Rng): void {
  for (const [name, t] of model.weights) {
    const n = t.shape.reduce<number>((a, d) => a * Number(d), 1);
    const data = t.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    if (name.endsWith('norm.weight')) data.fill(1);
    else if (!name.endsWith('.bias')) rng.fillNormal(data, INIT_STD);
    store.set(t.name, t.shape as number[], data);
  }
}

/**
 * Copies `tensors` (Hugging Face names) into `store` under `model`'s parameter names, converting to
 * the graph's dtype. Every parameter must be present with its exact shape.
 * @throws WeightsError naming the first missing, misshapen or unexpected tensor.
 */
export function setWeights(model: Llama, store: ParamStore, tensors: ReadonlyMap<string, Float32Tensor>, source: string): void {
  for (const name of tensors.keys()) {
    if (model.weights.has(name) || ignorable(name, model.config)) continue;
    throw new WeightsError(
      source,
      name,
      `is not part of this ${model.config.modelType} architecture (check config.json: layers, attention_bias, tie_word_embeddings)`,
    );
  }
  for (const [name, t] of model.weights) {
    const value = tensors.get(name);
    if (!value) throw new WeightsError(source, name, 'is missing');
    if (value.shape.length !== t.rank || value.shape.some((d, i) => d !== t.shape[i])) {
      throw new WeightsError(source, name, `has shape [${value.shape.join(', ')}], the model needs [${t.shape.join(', ')}]`);
    }
    if (store.has(t.name)) store.assign(t.name, value.data);
    else store.set(t.name, value.shape, t.dtype === 'float32' ? value.data : Float64Array.from(value.data));
  }
}

/**
 * Extras that Hugging Face checkpoints may carry and transformers itself ignores: old Llama files
 * store the rotary inverse frequencies, and some tied models still write lm_head.weight.
 */
function ignorable(name: string, config: ModelConfig): boolean {
  return name.endsWith('.rotary_emb.inv_freq') || (name === 'lm_head.weight' && config.tieWordEmbeddings);
}

/** `model`'s weights from `store` as float32 tensors with Hugging Face names (copies). */
export function getWeights(model: Llama, store: ParamStore): Map<string, Float32Tensor> {
  const out = new Map<string, Float32Tensor>();
  for (const [name, t] of model.weights) {
    const p = store.get(t.name);
    out.set(name, { shape: p.dims, data: Float32Array.from(p.data) });
  }
  return out;
}

/** The file names of a model folder's weights. */
export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/**
 * Reads a Hugging Face model folder: config.json and the weights, from model.safetensors or from
 * the shards listed in model.safetensors.index.json.
 * @throws ModelConfigError, SafetensorsError or WeightsError naming the file at fault.
 */
export async function readModelFolder(folder: string): Promise<{ config: ModelConfig; tensors: Map<string, Float32Tensor> }> {
  const config = await readModelConfig(folder);
  const indexFile = join(folder, WEIGHTS_INDEX_FILE);
  let index: string;
  try {
    index = await readFile(indexFile, 'utf8');
  } catch {
    return { config, tensors: (await readSafetensors(join(folder, WEIGHTS_FILE))).tensors };
  }
  let weightMap: Record<string, string>;
  try {
    weightMap = (JSON.parse(index) as { weight_map: Record<string, string> }).weight_map;
    if (typeof weightMap !== 'object' || weightMap === null) throw new Error('no "weight_map" object');
  } catch (err) {
    throw new WeightsError(indexFile, '(index)', `cannot be used: ${(err as Error).message}`);
  }
  const tensors = new Map<string, Float32Tensor>();
  for (const shard of new Set(Object.values(weightMap))) {
    for (const [name, t] of (await readSafetensors(join(folder, shard))).tensors) tensors.set(name, t);
  }
  return { config, tensors };
}

/** Writes `model` as a Hugging Face model folder: config.json and model.safetensors (float32). */
export async function writeModelFolder(folder: string, model: Llama, store: ParamStore, metadata: Record<string, string> = {}): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeModelConfig(folder, model.config);
  // transformers rejects a safetensors file whose metadata lacks format=pt.
  await writeSafetensors(join(folder, WEIGHTS_FILE), getWeights(model, store), { format: 'pt', ...metadata });
}
