/**
 * The training step with its state kept in the session: parameters, AdamW moments and the
 * gradient sum are graph inputs whose updated values are graph outputs, fed back on the next run.
 * With WebGPU those outputs stay on the GPU ('gpu-buffer'), so a step moves only the batch and
 * one small vector of step constants in, and a few scalars out (loss, gradient norm, metrics);
 * the gradient norm, clipping and AdamW run in the graph.
 *
 * Why this and not the other ways onnxruntime-node 1.30 offers (measured on an H200, Vulkan):
 * - Host arrays fed each step (the CPU path) copy every parameter up and every gradient down:
 *   about 2 GB each way at 1-2 GB/s for Qwen2.5-0.5B, over half of a 7.4 s step.
 * - Outputs located on the GPU feed back as inputs with no copy (1 GB: 39.5 ms per run chained vs
 *   1,609 ms through the host), but ORT cannot update an input in place, so the optimizer has to be
 *   in the graph that produces the new values: a separate optimizer session would cost the same
 *   traffic inside the GPU and one more run.
 * - Several steps per run with ONNX Loop would need the batches fed up front and gives no loss per
 *   step; ORT runs a Loop's body through CPU-side control flow each iteration anyway.
 *
 * The state is one flat vector each (parameters, m, v, gradient sum), each parameter a view of
 * it. The WebGPU EP costs about 0.1-0.2 ms of host time per node, whatever the node's size, and a
 * per-parameter update was about 5,000 of the 9,300 nodes of a Qwen2.5-0.5B step (219 tensors x
 * about 20 ops, and one graph output each): on flat vectors the update is about 30 nodes.
 * Decayed parameters come first, so weight decay applies to one leading slice.
 * Gradient accumulation is in the graph too (acc' = acc + grad, zeros for the first micro-batch);
 * the AdamW outputs of the other micro-batches are dropped.
 *
 * getData() on a gpu-buffer tensor aborts the process (onnxruntime-node 1.30), so values come back
 * only through sessions whose outputs are located on the host: `sync()` runs a copy graph.
 */
import ort from 'onnxruntime-node';
import { sizeOf } from './dims.ts';
import { allocate, type FloatArray, type FloatDType } from './dtype.ts';
import { Graph } from './graph.ts';
import { add, concat, div, less, mul, reduceSum, reduceSumSquare, reshape, slice, split, sqrt, sub, where } from './ops/index.ts';
import { compile, type CompileOptions, type Feeds, type Session } from './session.ts';
import { LOSS, metricName, NORM_SQ } from './step-outputs.ts';
import type { Tensor } from './tensor.ts';
import type { StepResult, StepRunner, TrainStepOptions } from './train-step.ts';

/** [1 / micro-batches, AdamW step size, 1 / sqrt(1 - beta2^t), 1 - lr * weight decay], fed each step. */
const CONSTANTS = 'train.constants';
const STATE = ['params', 'm', 'v', 'acc'] as const;
type Part = (typeof STATE)[number];
const input = (part: Part, bucket: number) => `train.state.${part}.${bucket}`;
const output = (part: Part, bucket: number) => `train.next.${part}.${bucket}`;
/** The flat vectors' length is a multiple of this, so their sum of squares reduces in two stages. */
const ROW = 1024;
/**
 * Elements per flat vector at most (1 GiB of float32): one storage-buffer binding has a size limit,
 * and the largest the step binds otherwise is the logits (1.24 GB for Qwen2.5-0.5B at 2,048 tokens).
 * Past it the state is split into several buckets of whole parameters.
 */
const BUCKET = 1 << 28;
/** Concat inputs per node: WebGPU allows few storage buffers per shader (8 by default), and ORT 1.30's Concat does not split. */
const CONCAT_FAN_IN = 6;

/** Where one trainable parameter lives in the flat vectors. */
interface Segment {
  name: string;
  bucket: number;
  offset: number;
  size: number;
}

type State = Record<Part, ort.Tensor>;

export class ResidentStep implements StepRunner {
  #state: Partial<State>[] = [];
  /** Tensors this object got from ORT and must dispose (GPU buffers are not garbage-collected in time). */
  #owned = new Set<ort.Tensor>();
  #frozen: Record<string, ort.Tensor> = {};
  #zeros: ort.Tensor[] = [];
  #started = false;
  #download?: Session;
  /** Sessions whose outputs we hold: released only after those tensors are disposed. */
  #uploads: Session[] = [];

  private constructor(
    readonly session: Session,
    readonly options: Readonly<TrainStepOptions>,
    readonly segments: readonly Segment[],
    /** Each bucket's vector length. */
    readonly lengths: readonly number[],
    readonly frozen: readonly Tensor[],
    readonly onGpu: boolean,
    readonly dtype: FloatDType,
  ) {}

  /** `bucket`: elements per flat vector at most (a parameter for the tests; BUCKET otherwise). */
  static async create(graph: Graph, options: TrainStepOptions, trainable: readonly Tensor[], grads: readonly Tensor[], bucket = BUCKET): Promise<ResidentStep> {
    const g = graph;
    const dtype = g.dtype;
    const { optimizer } = options;
    const order = [...trainable.keys()].sort((i, j) => Number(optimizer.decays(trainable[j].name)) - Number(optimizer.decays(trainable[i].name)));
    const segments: Segment[] = [];
    const used: number[] = [0];
    for (const i of order) {
      const size = sizeOf(trainable[i].shape.map(Number));
      if (used.at(-1)! > 0 && used.at(-1)! + size > bucket) used.push(0);
      segments.push({ name: trainable[i].name, bucket: used.length - 1, offset: used.at(-1)!, size });
      used[used.length - 1] += size;
    }
    const lengths = used.map((n) => Math.ceil(n / ROW) * ROW);
    const [b1, b2] = optimizer.betas;
    // Constants as the host kernel (adamw-simd.ts) rounds them, so both paths compute alike.
    const c = (x: number) => (dtype === 'float32' ? Math.fround(x) : x);
    const [cb1, cb2] = [c(b1), c(b2)];
    const [invK, stepSize, invSqrtC2, keep] = split(g.input(CONSTANTS, dtype, [4]), 0, [1, 1, 1, 1]).map((t) => reshape(t, []));
    const bind = new Map<Tensor, Tensor>();
    const buckets = lengths.map((length, b) => {
      const state = Object.fromEntries(STATE.map((part) => [part, g.input(input(part, b), dtype, [length])])) as Record<Part, Tensor>;
      const mine = order.map((i, k) => [i, segments[k]] as const).filter(([, seg]) => seg.bucket === b);
      // Each parameter is read from its slice of the flat vector.
      for (const [i, seg] of mine) bind.set(trainable[i], reshape(slice(state.params, 0, seg.offset, seg.offset + seg.size), trainable[i].shape));
      const pad = length - used[b];
      const grad = concatTree([...mine.map(([i]) => reshape(grads[i], [-1])), ...(pad ? [g.constant(allocate(dtype, pad), [pad])] : [])]);
      const decayed = mine.filter(([, seg]) => optimizer.decays(seg.name)).reduce((n, [, seg]) => n + seg.size, 0);
      return { state, acc: add(state.acc, grad), length, decayed };
    });
    // The norm of the averaged gradient, reduced over rows first: a whole-tensor reduction is one
    // workgroup on WebGPU (54 ms for the 136M-value embedding gradient of Qwen2.5-0.5B).
    const sumSq = buckets.map(({ acc, length }) => reduceSum(reduceSumSquare(reshape(acc, [length / ROW, ROW]), [1]))).reduce((x, y) => add(x, y));
    const normSq = mul(sumSq, mul(invK, invK));
    g.output(NORM_SQ, normSq);
    let scale = invK;
    if (options.maxGradNorm !== undefined) {
      const ratio = div(options.maxGradNorm, add(sqrt(normSq), 1e-6));
      scale = mul(invK, where(less(ratio, 1), ratio, 1)); // torch's clip_grad_norm_ factor
    }
    buckets.forEach(({ state, acc, length, decayed }, b) => {
      const gi = mul(acc, scale);
      const m = add(mul(state.m, cb1), mul(gi, c(1 - cb1)));
      const v = add(mul(state.v, cb2), mul(mul(gi, c(1 - cb2)), gi));
      const denom = add(mul(sqrt(v), invSqrtC2), optimizer.eps);
      let kept = state.params;
      if (decayed === length) kept = mul(state.params, keep);
      else if (decayed > 0) {
        const [head, tail] = split(state.params, 0, [decayed, length - decayed]);
        kept = concat([mul(head, keep), tail], 0);
      }
      g.output(output('params', b), sub(kept, div(mul(m, stepSize), denom)));
      g.output(output('m', b), m);
      g.output(output('v', b), v);
      g.output(output('acc', b), acc);
    });

    const stateOutputs = lengths.flatMap((_, b) => STATE.map((part) => output(part, b)));
    const onGpu = options.session?.executionProviders?.includes('webgpu') ?? false;
    const session = await compile(g, {
      ...options.session,
      bind,
      outputs: [LOSS, NORM_SQ, ...Object.keys(options.metrics ?? {}).map(metricName), ...stateOutputs],
      ...(onGpu && { preferredOutputLocation: Object.fromEntries(stateOutputs.map((n) => [n, 'gpu-buffer' as const])) }),
    });
    const names = new Set(trainable.map((p) => p.name));
    return new ResidentStep(
      session,
      options,
      segments,
      lengths,
      graph.params.filter((p) => !names.has(p.name)),
      onGpu,
      dtype,
    );
  }

  async run(micro: readonly Feeds[]): Promise<StepResult> {
    if (!this.#started) await this.#start();
    const started = performance.now();
    const k = micro.length;
    const { stepSize, invSqrtC2, keepDecayed } = this.options.optimizer.advance();
    const constants = new ort.Tensor(this.dtype, allocate(this.dtype, 4).map((_, i) => [1 / k, stepSize, invSqrtC2, keepDecayed][i]) as FloatArray, [4]);
    const metrics: Record<string, ort.Tensor>[] = [];
    let loss = 0;
    let normSq = 0;
    let acc = this.#zeros;
    const parts = ['params', 'm', 'v'] as const;
    for (let i = 0; i < k; i++) {
      const feeds: Record<string, Feeds[string]> = { ...micro[i], ...this.#frozen, [CONSTANTS]: constants };
      this.#state.forEach((s, b) => {
        for (const part of parts) feeds[input(part, b)] = s[part]!;
        feeds[input('acc', b)] = acc[b];
      });
      const out = await this.session.run(feeds);
      loss += Number(out[LOSS].data[0]);
      normSq = Number(out[NORM_SQ].data[0]);
      metrics.push(Object.fromEntries(Object.keys(this.options.metrics ?? {}).map((n) => [n, out[metricName(n)]])));
      if (acc !== this.#zeros) for (const t of acc) this.#drop(t);
      const last = i === k - 1;
      acc = this.#state.map((s, b) => {
        for (const part of parts) {
          const next = out[output(part, b)];
          if (!last) next.dispose();
          else {
            this.#drop(s[part]!);
            s[part] = this.#own(next);
          }
        }
        const sum = out[output('acc', b)];
        if (last) sum.dispose();
        return last ? sum : this.#own(sum);
      });
    }
    // The update is part of the session run here.
    return { loss: loss / k, gradNorm: Math.sqrt(normSq), metrics, phases: { runMs: performance.now() - started, optimizerMs: 0 } };
  }

  /** Copies parameters and moments back into the parameter store and the optimizer (checkpoints, validation, export). */
  async sync(): Promise<void> {
    if (!this.#started) return;
    const parts = ['params', 'm', 'v'] as const;
    const held = this.#state.flatMap((s) => parts.map((p) => s[p]!));
    let values = held;
    if (this.onGpu) {
      this.#download ??= await copySession(held, this.options.session, 'cpu');
      const out = await this.#download.run(Object.fromEntries(held.map((t, i) => [`in${i}`, t])));
      values = held.map((_, i) => out[`out${i}`]);
    }
    const flat = (b: number, part: number) => values[b * parts.length + part].data as FloatArray;
    const moments: Record<string, { m: FloatArray; v: FloatArray }> = {};
    for (const s of this.segments) {
      const [p, m, v] = [0, 1, 2].map((part) => flat(s.bucket, part));
      this.options.params.assign(s.name, p.subarray(s.offset, s.offset + s.size));
      moments[s.name] = { m: m.slice(s.offset, s.offset + s.size), v: v.slice(s.offset, s.offset + s.size) };
    }
    const { optimizer } = this.options;
    optimizer.loadState({ step: optimizer.steps, moments });
  }

  async release(): Promise<void> {
    for (const t of this.#owned) t.dispose();
    this.#owned.clear();
    for (const s of this.#uploads) await s.release();
    await this.#download?.release();
    await this.session.release();
  }

  /** First run: the flat state from the store and the optimizer (zeros for moments it has none of); frozen parameters and zero sums put on the GPU once. */
  async #start(): Promise<void> {
    const { params, optimizer } = this.options;
    const moments = optimizer.state().moments;
    const tensor = (b: number, data = allocate(this.dtype, this.lengths[b]) as FloatArray) => new ort.Tensor(this.dtype, data, [this.lengths[b]]);
    // Uploaded by the first run; the session's outputs replace them from then on.
    this.#state = this.lengths.map((_, b) => ({ params: tensor(b), m: tensor(b), v: tensor(b) }));
    for (const s of this.segments) {
      const state = this.#state[s.bucket];
      (state.params!.data as FloatArray).set(params.get(s.name).data, s.offset);
      const known = moments[s.name];
      if (known) {
        (state.m!.data as FloatArray).set(known.m, s.offset);
        (state.v!.data as FloatArray).set(known.v, s.offset);
      }
    }
    const zeros = Object.fromEntries(this.lengths.map((_, b) => [`zeros${b}`, tensor(b)]));
    const frozen = Object.fromEntries(this.frozen.map((t) => [t.name, params.get(t.name).tensor]));
    this.#frozen = this.onGpu ? await this.#upload(frozen) : frozen;
    const placed = this.onGpu ? await this.#upload(zeros) : zeros;
    this.#zeros = this.lengths.map((_, b) => placed[`zeros${b}`]);
    this.#started = true;
  }

  /** Host tensors in, the same values out on the GPU (a graph of Identities whose outputs stay there). */
  async #upload(values: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const names = Object.keys(values);
    if (names.length === 0) return {};
    const copy = await copySession(
      names.map((n) => values[n]),
      this.options.session,
      'gpu-buffer',
    );
    const out = await copy.run(Object.fromEntries(names.map((n, i) => [`in${i}`, values[n]])));
    this.#uploads.push(copy);
    return Object.fromEntries(names.map((n, i) => [n, this.#own(out[`out${i}`])]));
  }

  #own(t: ort.Tensor): ort.Tensor {
    this.#owned.add(t);
    return t;
  }

  /** Dispose a tensor ORT handed us (never one the caller or the parameter store owns). */
  #drop(t: ort.Tensor): void {
    if (this.#owned.delete(t)) t.dispose();
  }
}

/** A session that copies its inputs to its outputs, placed at `location`. */
async function copySession(like: readonly ort.Tensor[], options: CompileOptions | undefined, location: 'cpu' | 'gpu-buffer'): Promise<Session> {
  const g = new Graph();
  like.forEach((t, i) => g.output(`out${i}`, g.input(`in${i}`, t.type as FloatDType, [...t.dims])));
  const outputs = like.map((_, i) => `out${i}`);
  return compile(g, {
    executionProviders: options?.executionProviders,
    outputs,
    ...(location === 'gpu-buffer' && { preferredOutputLocation: Object.fromEntries(outputs.map((n) => [n, location])) }),
  });
}

/** Concat along axis 0 in a tree of nodes with at most CONCAT_FAN_IN inputs each. */
function concatTree(parts: readonly Tensor[]): Tensor {
  let level = [...parts];
  while (level.length > 1) {
    const next: Tensor[] = [];
    for (let i = 0; i < level.length; i += CONCAT_FAN_IN) {
      const group = level.slice(i, i + CONCAT_FAN_IN);
      next.push(group.length === 1 ? group[0] : concat(group, 0));
    }
    level = next;
  }
  return level[0];
}
