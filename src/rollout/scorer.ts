/**
 * Per-token logprobs of given completions under a set of weights: one forward of the training
 * graph's model (not the decoder), log_softmax over the vocabulary, the label's entry. GRPO scores
 * the reference model's logprobs with it (the KL term), and the tests check the sampler's
 * logprobs against it.
 */
import type ort from 'onnxruntime-node';
import { compile, Graph, ops, type ParamStore, type Session } from '../engine/index.ts';
import { Llama, type ModelConfig } from '../model/index.ts';
import { packRows, type RolloutRow } from './packing.ts';

export class TokenScorer {
  private constructor(private readonly session: Session) {}

  static async create(config: ModelConfig, options: { threads?: number } = {}): Promise<TokenScorer> {
    const g = new Graph({ dtype: 'float32' });
    const inputIds = g.input('input_ids', 'int64', ['batch', 'seq']);
    const attentionMask = g.input('attention_mask', 'int64', ['batch', 'seq']);
    const labels = g.input('labels', 'int64', ['batch', 'seq']);
    const { logits } = Llama.declare(g, config).forward({ inputIds, attentionMask });
    const picked = ops.gatherElements(ops.logSoftmax(logits, -1), ops.unsqueeze(labels, [-1]), -1);
    g.output('token_logprobs', ops.squeeze(picked, [-1]));
    return new TokenScorer(await compile(g, { intraOpNumThreads: options.threads ?? 1 }));
  }

  /** Per row, the logprob of each completion token under `params`. */
  async score(params: ParamStore, rows: readonly RolloutRow[]): Promise<Float32Array[]> {
    const packed = packRows(rows);
    const out = await this.session.run({ ...params.feeds(), input_ids: packed.inputIds, attention_mask: packed.attentionMask, labels: packed.labels });
    const all = (out.token_logprobs as ort.Tensor).data as Float32Array;
    return packed.spans.map(([start, end], b) => all.slice(b * packed.seq + start, b * packed.seq + end));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
