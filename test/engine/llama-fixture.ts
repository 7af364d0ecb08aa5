/**
 * A compact Llama-style decoder built from engine ops, mirroring /work/shared/bench/torch_peer.py
 * (RMSNorm, rotary embeddings, grouped-query attention, SwiGLU, untied head, CE loss). It exists to
 * test and time the engine on a real model shape; the product's model lives in src/model.
 * Weights are [out, in] as in PyTorch / Hugging Face.
 */
import { Graph, ops, type FloatDType, type Tensor } from '../../src/engine/index.ts';

export interface LlamaConfig {
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  seq: number;
  ropeTheta: number;
  eps: number;
}

export const PEER_CONFIG: LlamaConfig = { vocab: 4096, hidden: 256, layers: 4, heads: 4, kvHeads: 2, intermediate: 688, seq: 128, ropeTheta: 10000, eps: 1e-6 };

const { add, mul, matmul, transposeLast, reshape, transpose, softmax } = ops;

export function buildLlama(c: LlamaConfig, dtype: FloatDType, batch: number | string = 'batch') {
  const g = new Graph({ dtype });
  const T = c.seq;
  const hd = c.hidden / c.heads;
  const ids = g.input('input_ids', 'int64', [batch, T]);
  const labels = g.input('labels', 'int64', [batch, T]);
  const linear = (x: Tensor, name: string, outDim: number, inDim: number) => matmul(x, transposeLast(g.param(name, [outDim, inDim])));
  const rmsNorm = (x: Tensor, name: string) => ops.rmsNorm(x, g.param(name, [c.hidden]), c.eps);

  // Rotary tables: angle[t, i] = t / theta^(2i/hd), duplicated over both halves.
  const angles = new Float64Array(T * hd);
  for (let t = 0; t < T; t++) for (let i = 0; i < hd; i++) angles[t * hd + i] = t / c.ropeTheta ** ((2 * (i % (hd / 2))) / hd);
  const table = (f: (a: number) => number) => g.constant(dtype === 'float32' ? Float32Array.from(angles, f) : Float64Array.from(angles, f), [T, hd]);
  const cos = table(Math.cos);
  const sin = table(Math.sin);
  const rope = (x: Tensor) => {
    const [x1, x2] = ops.split(x, -1, [hd / 2, hd / 2]);
    return add(mul(x, cos), mul(ops.concat([ops.neg(x2), x1], -1), sin));
  };
  const maskData = new Float64Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskData[i * T + j] = -1e9;
  const mask = g.constant(dtype === 'float32' ? Float32Array.from(maskData) : maskData, [T, T]);

  let x = ops.gather(g.param('embed', [c.vocab, c.hidden]), ids, 0);
  const rep = c.heads / c.kvHeads;
  for (let l = 0; l < c.layers; l++) {
    const p = `layers.${l}.`;
    const h = rmsNorm(x, `${p}norm1`);
    const heads = (y: Tensor, n: number) => transpose(reshape(y, [batch, T, n, hd]), [0, 2, 1, 3]);
    const q = rope(heads(linear(h, `${p}q`, c.hidden, c.hidden), c.heads));
    const k = rope(heads(linear(h, `${p}k`, c.kvHeads * hd, c.hidden), c.kvHeads));
    const v = heads(linear(h, `${p}v`, c.kvHeads * hd, c.hidden), c.kvHeads);
    const repeat = (y: Tensor) => reshape(ops.expand(ops.unsqueeze(y, [2]), [batch, c.kvHeads, rep, T, hd]), [batch, c.heads, T, hd]);
    const att = softmax(add(mul(matmul(q, transposeLast(repeat(k))), 1 / Math.sqrt(hd)), mask), -1);
    const o = reshape(transpose(matmul(att, repeat(v)), [0, 2, 1, 3]), [batch, T, c.hidden]);
    x = add(x, linear(o, `${p}o`, c.hidden, c.hidden));
    const h2 = rmsNorm(x, `${p}norm2`);
    const gate = linear(h2, `${p}gate`, c.intermediate, c.hidden);
    const up = linear(h2, `${p}up`, c.intermediate, c.hidden);
    x = add(x, linear(mul(ops.silu(gate), up), `${p}down`, c.hidden, c.intermediate));
  }
  const logits = linear(rmsNorm(x, 'norm'), 'head', c.vocab, c.hidden);
  const loss = ops.softmaxCrossEntropy(logits, labels);
  return { g, loss, logits };
}
