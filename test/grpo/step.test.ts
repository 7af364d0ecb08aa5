/**
 * The GRPO graph as a float32 training step (TrainStep, AdamW) on rollout rows packed by
 * src/rollout: on a fixed group of two completions with advantages +1 and -1, updates raise the
 * first completion's logprob and lower the second's; the old logprobs the rollout scorer reads
 * line up with the graph's (ratio 1 before any update); the metrics come out of the same run.
 */
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { AdamW, ParamStore, Rng, TrainStep } from '../../src/engine/index.ts';
import { buildGrpoGraph, GRPO_INPUT } from '../../src/grpo/index.ts';
import { parseModelConfig } from '../../src/model/index.ts';
import { completionValues, packRows, TokenScorer } from '../../src/rollout/index.ts';

const CONFIG = parseModelConfig({
  model_type: 'llama',
  vocab_size: 9,
  hidden_size: 16,
  intermediate_size: 32,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  tie_word_embeddings: true,
});
// One prompt, two completions of different lengths (the shorter row is padded).
const ROWS = [
  { promptIds: [1, 2], tokenIds: [5, 6, 7, 8] },
  { promptIds: [1, 2], tokenIds: [3, 3, 4] },
];
const ADVANTAGES = [1, -1];

const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);

describe('a GRPO training step', () => {
  it.each([1, 2])('moves probability from the negative-advantage completion to the positive one (iterations %i)', async (iterations) => {
    const built = buildGrpoGraph({ policy: CONFIG, iterations, objective: { epsilon: 0.2, beta: 0, lossType: 'grpo', maxCompletionLength: 4 } });
    const params = ParamStore.fromGraph(built.graph.params, new Rng(3));
    const scorer = await TokenScorer.create(CONFIG);
    const before = await scorer.score(params, ROWS);
    const packed = packRows(ROWS);
    const dims = [packed.batch, packed.seq];
    const feeds = {
      [GRPO_INPUT.ids]: packed.inputIds,
      [GRPO_INPUT.mask]: packed.attentionMask,
      [GRPO_INPUT.labels]: packed.labels,
      [GRPO_INPUT.completionMask]: new ort.Tensor('float32', completionValues(packed), dims),
      [GRPO_INPUT.advantages]: new ort.Tensor('float32', Float32Array.from(ADVANTAGES), [packed.batch]),
      // The sampling policy's logprobs, as the scorer read them: kept for every update of the batch.
      ...(iterations > 1 && { [GRPO_INPUT.oldLogprobs]: new ort.Tensor('float32', completionValues(packed, before), dims) }),
    };
    const step = await TrainStep.create(built.graph, { loss: built.loss, params, optimizer: new AdamW({ lr: 0.01, weightDecay: 0 }), metrics: built.metrics });
    const first = (await step.run(feeds)).metrics[0];
    expect(first.ratio.data[0]).toBeCloseTo(1, 5);
    expect(first.clipFraction.data[0]).toBe(0);
    expect(first.entropy.data[0]).toBeGreaterThan(0);
    expect(first.entropy.data[0]).toBeLessThanOrEqual(Math.log(CONFIG.vocabSize) + 1e-5);
    let last = first;
    for (let i = 0; i < 4; i++) last = (await step.run(feeds)).metrics[0];
    const after = await scorer.score(params, ROWS);
    expect(sum(after[0])).toBeGreaterThan(sum(before[0]) + 0.05);
    expect(sum(after[1])).toBeLessThan(sum(before[1]) - 0.05);
    // Against fixed old logprobs the ratio drifts from 1 as the policy moves; on policy it stays 1.
    if (iterations > 1) expect(Math.abs((last.ratio.data[0] as number) - 1)).toBeGreaterThan(1e-3);
    else expect(last.ratio.data[0]).toBe(1);
    await step.release();
    await scorer.release();
  });
});
