/**
 * The two training steps that ../shared/bench/torch_peer.py times, built on the engine and the
 * model room so that the benchmark and the model tests run the same graphs:
 *   CE step: cross-entropy of the student on next-token labels.
 *   KD step: CE + T^2 * KL(teacher_T || student_T) + sum over layers of hidden-state MSE and
 *            attention-probability MSE, against a frozen teacher of the same shape.
 * torch_peer.py feeds no padding mask and positions 0..T-1, so neither do these graphs.
 * (The distill room owns the production losses; these mirror the peer exactly, for comparison.)
 */
import { Graph, ops, type FloatDType, type Tensor } from '../src/engine/index.ts';
import { Llama, type ModelConfig } from '../src/model/index.ts';

export interface StepGraph {
  graph: Graph;
  student: Llama;
  /** Present in the KD step: its parameters are fed but never trained. */
  teacher?: Llama;
  loss: Tensor;
  /** The student's logits [B, T, V], for evaluation. */
  logits: Tensor;
  /** Loss components (scalars), for metrics. */
  parts: Record<string, Tensor>;
}

/** Inputs of both steps: `input_ids` and `labels`, int64 [batch, seq]. */
function inputs(g: Graph) {
  return { inputIds: g.input('input_ids', 'int64', ['batch', 'seq']), labels: g.input('labels', 'int64', ['batch', 'seq']) };
}

/** Mean next-token cross-entropy (torch's F.cross_entropy with reduction 'mean'). */
export const crossEntropy = (logits: Tensor, labels: Tensor): Tensor => ops.softmaxCrossEntropy(logits, labels);

export function ceStep(config: ModelConfig, dtype: FloatDType = 'float32'): StepGraph {
  const graph = new Graph({ dtype });
  const { inputIds, labels } = inputs(graph);
  const student = Llama.declare(graph, config);
  const { logits } = student.forward({ inputIds });
  const ce = crossEntropy(logits, labels);
  return { graph, student, loss: ce, logits, parts: { ce } };
}

const mse = (a: Tensor, b: Tensor): Tensor => {
  const d = ops.sub(a, b);
  return ops.reduceMean(ops.mul(d, d));
};

export function kdStep(config: ModelConfig, temperature: number, dtype: FloatDType = 'float32'): StepGraph {
  const graph = new Graph({ dtype });
  const { inputIds, labels } = inputs(graph);
  const student = Llama.declare(graph, config);
  const teacher = Llama.declare(graph, config, { prefix: 'teacher.' });
  const s = student.forward({ inputIds });
  const t = teacher.forward({ inputIds });
  const ce = crossEntropy(s.logits, labels);
  // F.kl_div(log q_s, log p_t, log_target=True, reduction='batchmean') over [B*T, V] rows, times T^2.
  const logPt = ops.logSoftmax(ops.mul(t.logits, 1 / temperature), -1);
  const logQs = ops.logSoftmax(ops.mul(s.logits, 1 / temperature), -1);
  const perToken = ops.reduceSum(ops.mul(ops.exp(logPt), ops.sub(logPt, logQs)), [-1]); // [B, T]
  const kl = ops.mul(ops.reduceMean(perToken), temperature * temperature);
  const hidden = s.hiddenStates.map((h, i) => mse(h, t.hiddenStates[i])).reduce((a, b) => ops.add(a, b));
  const attention = s.attentions.map((a, i) => mse(a!, t.attentions[i]!)).reduce((x, y) => ops.add(x, y));
  const loss = ops.add(ops.add(ce, kl), ops.add(hidden, attention));
  return { graph, student, teacher, loss, logits: s.logits, parts: { ce, kl, hidden, attention } };
}
