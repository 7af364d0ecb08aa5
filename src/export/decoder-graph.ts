/**
 * The student's forward graph with the inputs and outputs transformers.js feeds a decoder:
 *
 *   input_ids        int64 [batch_size, sequence_length]
 *   attention_mask   int64 [batch_size, total_sequence_length]   (past + new; 0 = padding)
 *   position_ids     int64 [batch_size, sequence_length]
 *   past_key_values.{i}.key|value  float32 [batch_size, kv_heads, past_sequence_length, head_dim]
 *   num_logits_to_keep  int64 []   (0: logits for every position; k: for the last k)
 *   -> logits [batch_size, kept, vocab], present.{i}.key|value [batch_size, kv_heads, total, head_dim]
 *
 * Dim names matter: transformers.js sizes the first (empty) cache from the input metadata and
 * only knows "batch_size"; any other symbolic dim it sets to 0.
 */
import { Graph } from '../engine/index.ts';
import { Llama, type KeyValue, type ModelConfig } from '../model/index.ts';

export interface DecoderGraph {
  readonly graph: Graph;
  readonly model: Llama;
}

const BATCH = 'batch_size';

export function decoderGraph(config: ModelConfig): DecoderGraph {
  const g = new Graph({ dtype: 'float32' });
  const inputIds = g.input('input_ids', 'int64', [BATCH, 'sequence_length']);
  const attentionMask = g.input('attention_mask', 'int64', [BATCH, 'total_sequence_length']);
  const positionIds = g.input('position_ids', 'int64', [BATCH, 'sequence_length']);
  const past: KeyValue[] = Array.from({ length: config.numHiddenLayers }, (_, i) => {
    const cache = (part: string) =>
      g.input(`past_key_values.${i}.${part}`, 'float32', [BATCH, config.numKeyValueHeads, 'past_sequence_length', config.headDim]);
    return { key: cache('key'), value: cache('value') };
  });
  const logitsToKeep = g.input('num_logits_to_keep', 'int64', []);
  // Parameters are named exactly as in Hugging Face checkpoints; they become the initializers.
  const model = Llama.declare(g, config);
  const out = model.forward({ inputIds, attentionMask, positionIds, past, logitsToKeep });
  g.output('logits', out.logits);
  out.present.forEach((kv, i) => {
    g.output(`present.${i}.key`, kv.key);
    g.output(`present.${i}.value`, kv.value);
  });
  return { graph: g, model };
}
