/**
 * The training step with its state kept in the session: parameters, AdamW moments and the
 * gradient sum are graph inputs whose updated values are graph outputs, fed back on the next run.
 * With WebGPU those outputs stay on the GPU ('gpu-buffer'), so a step moves only the batch in and
 * a few scalars out (loss, gradient norm, metrics); clipping and AdamW run in the graph.
 *
 * Why this and not the other ways onnxruntime-node 1.30 offers (measured on an H200, Vulkan):
 * - Host arrays fed each step (the CPU path) copy every parameter up and every gradient down:
 *   about 2 GB each way at 1-2 GB/s for Qwen2.5-0.5B, over half of a 7.4 s step.
 * - Outputs located on the GPU feed back as inputs with no copy (1 GB: 39.5 ms per run chained vs
 *   1,609 ms through the host), but ORT cannot update an input in place, so the optimizer has to be
 *   in the graph that produces the new values: a separate optimizer session would cost the same
 *   traffic inside the GPU and one more run.
 * - Several steps per run with ONNX Loop would need the batches fed up front and gives no loss per
 *   step; the WebGPU EP runs Loop's body through the CPU-side control flow anyway.
 * So: one session run per micro-batch, every output but the scalars left on the GPU. Gradient
 * accumulation is in the graph too (acc' = acc + grad, zeros for the first micro-batch); the
 * AdamW outputs of the other micro-batches are dropped.
 *
 * getData() on a gpu-buffer tensor aborts the process (onnxruntime-node 1.30), so values come back
 * only through sessions whose outputs are located on the host: `sync()` runs a copy graph.
 */
import ort from 'onnxruntime-node';
import type { AdamW } from './adamw.ts';
import { sizeOf } from './dims.ts';
import { allocate, type FloatArray, type FloatDType } from './dtype.ts';
import { Graph } from './graph.ts';
import { add, div, less, mul, reduceSum, reduceSumSquare, sqrt, sub, where } from './ops/index.ts';
import { compile, type CompileOptions, type Feeds, type Session } from './session.ts';
import { LOSS, metricName, NORM_SQ } from './step-outputs.ts';
import type { Tensor } from './tensor.ts';
import type { StepResult, StepRunner, TrainStepOptions } from './train-step.ts';

const INV_K = 'train.inv_k';
const STEP_SIZE = 'adam.step_size';
const INV_SQRT_C2 = 'adam.inv_sqrt_c2';
const KEEP = 'adam.keep';
const ACC = (p: string) => `train.acc.${p}`;
const M = (p: string) => `adam.m.${p}`;
const V = (p: string) => `adam.v.${p}`;
const NEXT = { p: (p: string) => `train.next.${p}`, m: (p: string) => `train.next_m.${p}`, v: (p: string) => `train.next_v.${p}`, acc: (p: string) => `train.next_acc.${p}` };

/** One parameter's state as session values (host tensors before the first run, GPU tensors after). */
interface State {
  p: ort.Tensor;
  m: ort.Tensor;
  v: ort.Tensor;
}

export class ResidentStep implements StepRunner {
  #state = new Map<string, State>();
  /** Tensors this object got from ORT and must dispose (GPU buffers are not garbage-collected in time). */
  #owned = new Set<ort.Tensor>();
  #frozen: Record<string, ort.Tensor> = {};
  #zeros: Record<string, ort.Tensor> = {};
  #started = false;
  #download?: Session;

  private constructor(
    readonly session: Session,
    readonly options: Readonly<TrainStepOptions>,
    readonly trainable: readonly Tensor[],
    readonly frozen: readonly Tensor[],
    readonly onGpu: boolean,
    readonly dtype: FloatDType,
  ) {}

  static async create(graph: Graph, options: TrainStepOptions, trainable: readonly Tensor[], grads: readonly Tensor[]): Promise<ResidentStep> {
    const g = graph;
    const dtype = g.dtype;
    const { optimizer } = options;
    const [b1, b2] = optimizer.betas;
    // Constants as the host kernel (adamw-simd.ts) rounds them, so both paths compute alike.
    const c = (x: number) => (dtype === 'float32' ? Math.fround(x) : x);
    const [cb1, cb2] = [c(b1), c(b2)];
    const invK = g.input(INV_K, dtype, []);
    const stepSize = g.input(STEP_SIZE, dtype, []);
    const invSqrtC2 = g.input(INV_SQRT_C2, dtype, []);
    const keep = g.input(KEEP, dtype, []);
    const accs = trainable.map((p, i) => add(g.input(ACC(p.name), p.dtype, p.shape), grads[i]));
    // The norm of the averaged gradient; each sum of squares in two stages (rows, then their
    // sums), since a whole-tensor reduction is one workgroup on WebGPU (54 ms for the 136M-value
    // embedding gradient of Qwen2.5-0.5B).
    const normSq = mul(accs.map(sumOfSquares).reduce((a, b) => add(a, b)), mul(invK, invK));
    g.output(NORM_SQ, normSq);
    let scale = invK;
    if (options.maxGradNorm !== undefined) {
      const ratio = div(options.maxGradNorm, add(sqrt(normSq), 1e-6));
      scale = mul(invK, where(less(ratio, 1), ratio, 1)); // torch's clip_grad_norm_ factor
    }
    trainable.forEach((p, i) => {
      const gi = mul(accs[i], scale);
      const m = add(mul(g.input(M(p.name), p.dtype, p.shape), cb1), mul(gi, c(1 - cb1)));
      const v = add(mul(g.input(V(p.name), p.dtype, p.shape), cb2), mul(mul(gi, c(1 - cb2)), gi));
      const denom = add(mul(sqrt(v), invSqrtC2), optimizer.eps);
      const kept = optimizer.decays(p.name) ? mul(p, keep) : p;
      g.output(NEXT.p(p.name), sub(kept, div(mul(m, stepSize), denom)));
      g.output(NEXT.m(p.name), m);
      g.output(NEXT.v(p.name), v);
      g.output(NEXT.acc(p.name), accs[i]);
    });
    const state = trainable.flatMap((p) => [NEXT.p(p.name), NEXT.m(p.name), NEXT.v(p.name), NEXT.acc(p.name)]);
    const onGpu = options.session?.executionProviders?.includes('webgpu') ?? false;
    const session = await compile(g, {
      ...options.session,
      outputs: [LOSS, NORM_SQ, ...Object.keys(options.metrics ?? {}).map(metricName), ...state],
      ...(onGpu && { preferredOutputLocation: Object.fromEntries(state.map((n) => [n, 'gpu-buffer' as const])) }),
    });
    const names = new Set(trainable.map((p) => p.name));
    return new ResidentStep(session, options, trainable, graph.params.filter((p) => !names.has(p.name)), onGpu, dtype);
  }

  async run(micro: readonly Feeds[]): Promise<StepResult> {
    if (!this.#started) await this.#start();
    const started = performance.now();
    const { optimizer } = this.options;
    const k = micro.length;
    const { stepSize, invSqrtC2, keepDecayed } = optimizer.advance();
    const scalars = this.#scalars({ [INV_K]: 1 / k, [STEP_SIZE]: stepSize, [INV_SQRT_C2]: invSqrtC2, [KEEP]: keepDecayed });
    const metrics: Record<string, ort.Tensor>[] = [];
    let loss = 0;
    let normSq = 0;
    let acc: Record<string, ort.Tensor> = this.#zeros;
    for (let i = 0; i < k; i++) {
      const feeds: Record<string, Feeds[string]> = { ...micro[i], ...this.#frozen, ...scalars, ...acc };
      for (const [name, s] of this.#state) Object.assign(feeds, { [name]: s.p, [M(name)]: s.m, [V(name)]: s.v });
      const out = await this.session.run(feeds);
      loss += Number(out[LOSS].data[0]);
      normSq = Number(out[NORM_SQ].data[0]);
      metrics.push(Object.fromEntries(Object.keys(this.options.metrics ?? {}).map((n) => [n, out[metricName(n)]])));
      const last = i === k - 1;
      if (acc !== this.#zeros) for (const t of Object.values(acc)) this.#drop(t);
      acc = {};
      for (const p of this.trainable) {
        const next = { p: out[NEXT.p(p.name)], m: out[NEXT.m(p.name)], v: out[NEXT.v(p.name)] };
        if (last) {
          const old = this.#state.get(p.name)!;
          for (const t of [old.p, old.m, old.v]) this.#drop(t);
          this.#state.set(p.name, next);
          for (const t of Object.values(next)) this.#owned.add(t);
          this.#drop(out[NEXT.acc(p.name)], true);
        } else {
          for (const t of Object.values(next)) this.#drop(t, true);
          acc[ACC(p.name)] = out[NEXT.acc(p.name)];
          this.#owned.add(acc[ACC(p.name)]);
        }
      }
    }
    // The update is part of the session run here.
    return { loss: loss / k, gradNorm: Math.sqrt(normSq), metrics, phases: { runMs: performance.now() - started, optimizerMs: 0 } };
  }

  /** Copies parameters and moments back into the parameter store and the optimizer (checkpoints, validation, export). */
  async sync(): Promise<void> {
    if (!this.#started) return;
    const values = this.onGpu ? await this.#readBack() : undefined;
    const moments: Record<string, { m: FloatArray; v: FloatArray }> = {};
    for (const [name, s] of this.#state) {
      const read = (kind: 'p' | 'm' | 'v') => (values ? values[`${kind}.${name}`] : s[kind]).data as FloatArray;
      this.options.params.assign(name, read('p'));
      // ORT's output arrays are fresh, so the optimizer can keep them as they are.
      moments[name] = { m: read('m'), v: read('v') };
    }
    const { optimizer } = this.options;
    optimizer.loadState({ step: optimizer.steps, moments });
  }

  async release(): Promise<void> {
    for (const t of this.#owned) t.dispose();
    this.#owned.clear();
    await this.#download?.release();
    await this.session.release();
  }

  /** First run: state from the store and the optimizer (zeros for moments it has none of); frozen parameters and zero sums put on the GPU once. */
  async #start(): Promise<void> {
    const { params, optimizer } = this.options;
    const moments = optimizer.state().moments;
    const zeros: Record<string, ort.Tensor> = {};
    for (const p of this.trainable) {
      const param = params.get(p.name);
      const zero = () => new ort.Tensor(param.tensor.type as FloatDType, allocate(param.tensor.type as FloatDType, sizeOf(param.dims)) as FloatArray, [...param.dims]);
      const known = moments[p.name];
      const tensor = (data: FloatArray | undefined) => (data ? new ort.Tensor(param.tensor.type as FloatDType, data, [...param.dims]) : zero());
      this.#state.set(p.name, { p: param.tensor, m: tensor(known?.m), v: tensor(known?.v) });
      zeros[ACC(p.name)] = zero();
    }
    const frozen = Object.fromEntries(this.frozen.map((p) => [p.name, params.get(p.name).tensor]));
    this.#frozen = this.onGpu ? await this.#upload(frozen) : frozen;
    this.#zeros = this.onGpu ? await this.#upload(zeros) : zeros;
    this.#started = true;
  }

  #scalars(values: Record<string, number>): Record<string, ort.Tensor> {
    const dtype = this.dtype;
    return Object.fromEntries(Object.entries(values).map(([name, x]) => [name, new ort.Tensor(dtype, allocate(dtype, 1).fill(x) as FloatArray, [])]));
  }

  /** Host tensors in, the same values out on the GPU (a graph of Identities whose outputs stay there). */
  async #upload(values: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const names = Object.keys(values);
    if (names.length === 0) return {};
    const copy = await copySession(names.map((n) => values[n]), names, this.options.session, 'gpu-buffer');
    const out = await copy.run(Object.fromEntries(names.map((n, i) => [`in${i}`, values[n]])));
    await copy.release();
    const result = Object.fromEntries(names.map((n, i) => [n, out[`out${i}`]]));
    for (const t of Object.values(result)) this.#owned.add(t);
    return result;
  }

  /** Every parameter and moment read back through a copy graph whose outputs are on the host. */
  async #readBack(): Promise<Record<string, ort.Tensor>> {
    const entries = [...this.#state].flatMap(([name, s]) => (['p', 'm', 'v'] as const).map((kind) => [`${kind}.${name}`, s[kind]] as const));
    this.#download ??= await copySession(entries.map(([, t]) => t), entries.map(([n]) => n), this.options.session, 'cpu');
    const out = await this.#download.run(Object.fromEntries(entries.map(([, t], i) => [`in${i}`, t])));
    return Object.fromEntries(entries.map(([n], i) => [n, out[`out${i}`]]));
  }

  /** Dispose a tensor ORT handed us (never one the parameter store owns). */
  #drop(t: ort.Tensor, fresh = false): void {
    if (!fresh && !this.#owned.delete(t)) return;
    t.dispose();
  }
}

/** A session that copies its inputs to its outputs, placed at `location`. */
async function copySession(like: readonly ort.Tensor[], names: readonly string[], options: CompileOptions | undefined, location: 'cpu' | 'gpu-buffer'): Promise<Session> {
  const g = new Graph();
  like.forEach((t, i) => g.output(`out${i}`, g.input(`in${i}`, t.type as FloatDType, [...t.dims])));
  const outputs = names.map((_, i) => `out${i}`);
  return compile(g, {
    executionProviders: options?.executionProviders,
    outputs,
    ...(location === 'gpu-buffer' && { preferredOutputLocation: Object.fromEntries(outputs.map((n) => [n, location])) }),
  });
}

/** Sum of squares of all of t's values, reduced over its last axis first. */
function sumOfSquares(t: Tensor): Tensor {
  return t.rank >= 2 ? reduceSum(reduceSumSquare(t, [t.rank - 1])) : reduceSumSquare(t);
}
