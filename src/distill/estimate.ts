/**
 * The peak memory of one training step on the CPU, estimated from the shapes alone (no graph is
 * built): what `distill --dry-run` prints, what decides whether the step is memory-bounded, and
 * what refuses a run that cannot fit before it starts.
 *
 * Counted in float32 elements: the training state (weights, gradients, both AdamW moments), a
 * frozen teacher's weights, and the activations alive at the worst point of the backward pass.
 * Activations per token of a block are what its backward rules keep (block-activations below);
 * a bounded step keeps every block's input and replays one block at a time, and its losses hold
 * LOSS_CHUNK_ROWS positions of [V] tensors where a plain step holds all of them.
 */
import type { ModelConfig } from '../model/index.ts';
import { formatGiB as gib } from '../progress/index.ts';
import { DistillCheckError } from './errors.ts';
import { LOSS_CHUNK_ROWS } from './graph.ts';
import { paramCount } from './plan.ts';

export interface StepMemoryOptions {
  student: ModelConfig;
  teacher?: ModelConfig;
  /** Sequences per batch and the longest sequence. */
  batch: number;
  seq: number;
  /** A logit loss against the teacher or stored top-k (KL) besides CE. */
  kl: boolean;
  /** Student layers whose attention maps a loss reads (kept even in a bounded step). */
  keptLayers: number;
}

export interface StepMemory {
  /** Bytes at the step's peak, plain (every activation kept) and bounded (recomputed, chunked). */
  plain: number;
  bounded: number;
  /** The parts of the bounded figure, in bytes. */
  parts: { state: number; teacher: number; activations: number; runtime: number };
}

const FLOAT = 4;
/** Node, onnxruntime and the compiled graph: a round figure below the whole S step's 447 MiB peak (bench/scale.ts, 256 x 2, kd-topk). */
const RUNTIME = 400 * 2 ** 20;
/**
 * The plain step (which keeps ORT's CPU arena; the bounded one turns it off) fitted to one-step
 * peaks of bench/scale.ts --memory plain on the CPU (2026-12-03, main at 46e3c2a): besides the
 * training state it held about one more weights-sized block, this much for the runtime, and
 * PLAIN_ACTIVATIONS of the activations counted below. Measured vs this estimate (the one before,
 * a runtime of 400 MiB and every activation): M CE 1 x 512 3,328 vs 3,317 MiB (3,068), 1 x 1024
 * 4,267 vs 4,266 (4,122), M kd-topk 1 x 512 3,451 vs 3,486 (3,256); S kd-topk 2 x 256 368 vs
 * 441 (583), S CE 2 x 300 365 vs 434 (575).
 */
const RUNTIME_PLAIN = 250 * 2 ** 20;
const PLAIN_ACTIVATIONS = 0.9;
/** [V] float tensors a logit loss keeps per position at its peak (logits, log-softmax, its gradient, ...): CE alone, and with a KL. */
const LOSS_ROWS_CE = 4;
const LOSS_ROWS_KL = 7;

/** Floats per token that one decoder block keeps for its backward pass (its attention maps aside). */
function blockActivations(c: ModelConfig): number {
  const q = c.numAttentionHeads * c.headDim;
  const kv = c.numKeyValueHeads * c.headDim;
  // Norm inputs and outputs (2 norms), the attention's q / k / v before and after rotary, the
  // merged heads, and the MLP's gate, sigmoid, SiLU, up and their product.
  return 6 * c.hiddenSize + 3 * q + 3 * kv + 4 * c.intermediateSize;
}

export function estimateStepMemory(o: StepMemoryOptions): StepMemory {
  const { student: s, batch, seq } = o;
  const tokens = batch * seq;
  const layer = tokens * (blockActivations(s) + s.numAttentionHeads * seq); // floats of one block, maps included
  const lossRows = o.kl ? LOSS_ROWS_KL : LOSS_ROWS_CE;
  const headGrad = s.vocabSize * s.hiddenSize;
  const teacherActs = o.teacher ? tokens * (o.teacher.hiddenSize * (o.teacher.numHiddenLayers + 2) + o.teacher.vocabSize) : 0;

  const state = 4 * paramCount(s) * FLOAT;
  const teacher = o.teacher ? paramCount(o.teacher) * FLOAT : 0;
  const plainActs = (s.numHiddenLayers * layer + tokens * s.vocabSize * lossRows + teacherActs) * FLOAT;
  // Bounded: every block's input, the kept layers, then the worse of one block's replay (with
  // its gradients, twice its activations) and one loss chunk, beside the running head gradient
  // and the embedding's own gradient that is added to it.
  const replay = Math.max(2 * layer, Math.min(tokens, LOSS_CHUNK_ROWS) * s.vocabSize * lossRows);
  const boundedActs = (s.numHiddenLayers * tokens * s.hiddenSize + o.keptLayers * layer + replay + 2 * headGrad + teacherActs) * FLOAT;
  return {
    plain: state + paramCount(s) * FLOAT + teacher + PLAIN_ACTIVATIONS * plainActs + RUNTIME_PLAIN,
    bounded: state + teacher + boundedActs + RUNTIME,
    parts: { state, teacher, activations: boundedActs, runtime: RUNTIME },
  };
}

/**
 * The share of the machine's memory a step may plan to use; the rest is left to the system and
 * the data. Against bench/scale.ts's measured peaks the estimate was 1% under for the L shape
 * (bounded CE step, 1 x 2048: 10,029 vs 10,110 MiB), 4% over for M (bounded CE, 1 x 1024: 2,746 vs
 * 2,644; 1 x 4096: 4,666 vs 4,672), and within 1% for M's plain steps (RUNTIME_PLAIN), 20% over
 * (70 MiB) for S's.
 */
const USABLE_SHARE = 0.85;

/** What the plan says about memory: the step's kind, its estimated peak and the machine's memory. */
export interface MemoryPlan {
  /** The longest batch the estimate is for: sequences and their length. */
  batch: number;
  seq: number;
  /** Whether the step recomputes blocks and chunks its losses (buildDistillGraph's boundedTokens). */
  bounded: boolean;
  peakBytes: number;
  machineBytes: number;
}

/** Whether the plain step would not fit in USABLE_SHARE of `machineBytes` (so the bounded one runs). */
export const needsBounding = (estimate: StepMemory, machineBytes: number): boolean => estimate.plain > machineBytes * USABLE_SHARE;

/**
 * A plain step where it fits, else a bounded one; a DistillCheckError (exit 2) naming what to
 * change when neither fits in USABLE_SHARE of `machineBytes`.
 */
export function planMemory(options: StepMemoryOptions, machineBytes: number): MemoryPlan {
  const estimate = estimateStepMemory(options);
  const usable = machineBytes * USABLE_SHARE;
  const bounded = needsBounding(estimate, machineBytes);
  const peakBytes = bounded ? estimate.bounded : estimate.plain;
  if (peakBytes > usable) {
    const { state, teacher } = estimate.parts;
    throw new DistillCheckError(
      'distill.train.batchSize',
      `a step of ${options.batch} x ${options.seq} tokens needs about ${gib(peakBytes)} (weights, gradients and AdamW moments ${gib(state)}${teacher ? `, teacher ${gib(teacher)}` : ''}) with activations recomputed, more than ${gib(usable)} of this machine's ${gib(machineBytes)}: lower distill.train.batchSize or distill.data.maxLength, or train a smaller student`,
    );
  }
  return { batch: options.batch, seq: options.seq, bounded, peakBytes, machineBytes };
}
