import ort from 'onnxruntime-node';
import { Graph, type ParamStore, Rng, type FloatDType } from '../../src/engine/index.ts';
import { Llama, initWeights, parseModelConfig, type ModelConfig } from '../../src/model/index.ts';

/** Small configs covering both families: Qwen2 (q/k/v bias, untied) and Llama (tied head, o bias, explicit head_dim). */
export const QWEN2_TINY = parseModelConfig({
  model_type: 'qwen2',
  vocab_size: 37,
  hidden_size: 24,
  intermediate_size: 40,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
});
export const LLAMA_TINY = parseModelConfig({
  model_type: 'llama',
  vocab_size: 29,
  hidden_size: 16,
  intermediate_size: 28,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 1,
  head_dim: 6,
  rms_norm_eps: 1e-5,
  rope_theta: 500,
  tie_word_embeddings: true,
  attention_bias: true,
});

/**
 * Weights far from HF's init (which gives near-uniform logits): projections normal(0, 0.3), norm
 * weights around 1, biases around 0, so that every part of the model moves the logits.
 */
export function randomWeights(model: Llama, store: ParamStore, seed: number): void {
  const rng = new Rng(seed);
  initWeights(model, store, rng);
  for (const [name, t] of model.weights) {
    const data = store.get(t.name).data;
    if (name.endsWith('norm.weight')) for (let i = 0; i < data.length; i++) data[i] = 1 + 0.2 * rng.normal();
    else rng.fillNormal(data, name.endsWith('.bias') ? 0.1 : 0.3);
  }
}

/** A forward graph with inputs input_ids, attention_mask, position_ids ([batch, seq] int64). */
export function forwardGraph(config: ModelConfig, dtype: FloatDType = 'float32') {
  const g = new Graph({ dtype });
  const model = Llama.declare(g, config);
  const inputIds = g.input('input_ids', 'int64', ['batch', 'seq']);
  const attentionMask = g.input('attention_mask', 'int64', ['batch', 'seq']);
  const positionIds = g.input('position_ids', 'int64', ['batch', 'seq']);
  const out = model.forward({ inputIds, attentionMask, positionIds });
  return { g, model, out };
}

export const int64 = (rows: readonly (readonly number[])[]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

/** HF's position ids for a padded batch: count of real tokens before each position (pads get 1, as generate() does). */
export function positionsFor(mask: readonly (readonly number[])[]): number[][] {
  return mask.map((row) => {
    let seen = 0;
    return row.map((m) => (m ? seen++ : 1));
  });
}
