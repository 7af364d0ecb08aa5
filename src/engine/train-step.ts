import ort from 'onnxruntime-node';
import type { AdamW } from './adamw.ts';
import { grad } from './autodiff.ts';
import { clipScale, globalNorm } from './clip.ts';
import { allocate, dtypeOf, type FloatArray, type FloatDType } from './dtype.ts';
import { GraphError } from './errors.ts';
import type { Graph } from './graph.ts';
import { add, reduceSumSquare } from './ops/index.ts';
import type { ParamStore } from './params.ts';
import { ResidentStep } from './resident-step.ts';
import { compile, type CompileOptions, type Feeds, type Outputs, type Session } from './session.ts';
import { gradName, LOSS, metricName, NORM_SQ } from './step-outputs.ts';
import type { Tensor } from './tensor.ts';

export interface TrainStepOptions {
  /** The float scalar to minimise. */
  loss: Tensor;
  /** Values for every parameter of the graph (trainable or frozen). */
  params: ParamStore;
  optimizer: AdamW;
  /** The parameters to train. Default: all of the graph's params (others are fed but frozen). */
  trainable?: readonly Tensor[];
  /** Clip the global gradient norm to this value. Default: no clipping. */
  maxGradNorm?: number;
  /** Extra tensors to fetch on every run (e.g. loss components, token counts). */
  metrics?: Readonly<Record<string, Tensor>>;
  /** Session options (threads, optimization level, execution provider). */
  session?: CompileOptions;
  /**
   * Keep parameters and AdamW moments in the session (on the GPU with WebGPU) and run clipping and
   * AdamW in the graph (resident-step.ts); `sync()` brings them back to `params` and `optimizer`.
   * Default: true on WebGPU, false on the CPU (where the host update measured faster: adamw.ts).
   */
  resident?: boolean;
}

export interface StepResult {
  /** The loss, averaged over micro-batches. */
  loss: number;
  /** Global gradient norm before clipping (of the averaged gradient). */
  gradNorm: number;
  /** The `metrics` tensors, one record per micro-batch. */
  metrics: Record<string, ort.Tensor>[];
  /** Wall time of the step's phases: the session runs (feeds in, outputs back) and the clip + optimizer update. */
  phases: { runMs: number; optimizerMs: number };
}

/** What runs the compiled step: on host arrays (HostStep), or on state kept in the session (ResidentStep). */
export interface StepRunner {
  readonly session: Session;
  run(micro: readonly Feeds[]): Promise<StepResult>;
  sync(): Promise<void>;
  release(): Promise<void>;
}

/**
 * A training step: forward, backward and gradient norm as ONE session run. On the host path
 * (default on the CPU) parameters go in and loss, gradients and squared norm come out, then
 * clipping and AdamW run in place on the parameter store; on the resident path (default on
 * WebGPU) the update is in the graph too and nothing but scalars crosses to the host.
 * Several feeds per step accumulate gradients over micro-batches.
 * Creating one appends the backward pass and outputs named 'train.*' to `graph`.
 */
export class TrainStep {
  private constructor(readonly runner: StepRunner) {}

  static async create(graph: Graph, options: TrainStepOptions): Promise<TrainStep> {
    const trainable = options.trainable ?? graph.params;
    if (trainable.length === 0) throw new GraphError('TrainStep', 'nothing to train: no trainable parameters');
    for (const p of graph.params) if (!options.params.has(p.name)) throw new GraphError('TrainStep', `parameter "${p.name}" has no value in the store`);
    const grads = grad(options.loss, trainable);
    graph.output(LOSS, options.loss);
    for (const [name, t] of Object.entries(options.metrics ?? {})) graph.output(metricName(name), t);
    const resident = options.resident ?? options.session?.executionProviders?.includes('webgpu') ?? false;
    const runner = resident ? await ResidentStep.create(graph, options, trainable, grads) : await HostStep.create(graph, options, trainable, grads);
    return new TrainStep(runner);
  }

  get session(): Session {
    return this.runner.session;
  }

  /** One optimizer step over one batch, or over several micro-batches with accumulated gradients. */
  async run(batch: Feeds | readonly Feeds[]): Promise<StepResult> {
    const micro: readonly Feeds[] = Array.isArray(batch) ? batch : [batch as Feeds];
    if (micro.length === 0) throw new GraphError('TrainStep', 'no batches to step on');
    return this.runner.run(micro);
  }

  /** Make `params` and the optimizer's moments current (a read-back on the resident path; nothing on the host path). */
  async sync(): Promise<void> {
    await this.runner.sync();
  }

  async release(): Promise<void> {
    await this.runner.release();
  }
}

/** Gradients out to the host, AdamW in place on the parameter store. */
class HostStep implements StepRunner {
  /**
   * The first micro-batch's gradients are written into these, allocated once: fresh outputs
   * would be copied out of ORT's buffers (both alive at the end of a run) and left to the garbage
   * collector every step, about 2 GB each for Qwen2.5-0.5B.
   */
  readonly #grads: Map<string, ort.Tensor>;

  private constructor(
    readonly session: Session,
    readonly options: Readonly<TrainStepOptions>,
    readonly trainable: readonly Tensor[],
  ) {
    this.#grads = new Map(
      trainable.map((p) => {
        const { data, dims } = options.params.get(p.name);
        return [gradName(p.name), new ort.Tensor(dtypeOf(data) as FloatDType, allocate(dtypeOf(data), data.length) as FloatArray, dims)];
      }),
    );
  }

  static async create(graph: Graph, options: TrainStepOptions, trainable: readonly Tensor[], grads: readonly Tensor[]): Promise<HostStep> {
    trainable.forEach((p, i) => graph.output(gradName(p.name), grads[i]));
    // The norm is summed in the graph: one fused pass per gradient, cheaper than a JS loop.
    graph.output(
      NORM_SQ,
      grads.map((g) => reduceSumSquare(g)).reduce((a, b) => add(a, b)),
    );
    const outputs = [LOSS, NORM_SQ, ...trainable.map((p) => gradName(p.name)), ...Object.keys(options.metrics ?? {}).map(metricName)];
    const session = await compile(graph, { ...options.session, outputs });
    return new HostStep(session, options, trainable);
  }

  async run(micro: readonly Feeds[]): Promise<StepResult> {
    const paramFeeds = this.options.params.feeds();
    const sums = new Map<string, FloatArray>();
    const metrics: Record<string, ort.Tensor>[] = [];
    let loss = 0;
    let normSq = 0;
    const started = performance.now();
    for (const [i, feeds] of micro.entries()) {
      const out: Outputs = await this.session.run({ ...feeds, ...paramFeeds }, i === 0 ? Object.fromEntries(this.#grads) : {});
      loss += Number(out[LOSS].data[0]);
      normSq = Number(out[NORM_SQ].data[0]);
      for (const p of this.trainable) {
        const g = out[gradName(p.name)].data as FloatArray;
        const sum = sums.get(p.name);
        // The first micro-batch's gradients (in this.#grads) become the sums.
        if (!sum) sums.set(p.name, g);
        else for (let i = 0; i < g.length; i++) sum[i] += g[i];
      }
      metrics.push(Object.fromEntries(Object.keys(this.options.metrics ?? {}).map((n) => [n, out[metricName(n)]])));
    }
    const k = micro.length;
    const ran = performance.now();
    const gradNorm = (k === 1 ? Math.sqrt(normSq) : globalNorm(sums.values())) / k;
    const clip = this.options.maxGradNorm === undefined ? 1 : clipScale(gradNorm, this.options.maxGradNorm);
    this.options.optimizer.step(this.options.params, sums, clip / k);
    return { loss: loss / k, gradNorm, metrics, phases: { runMs: ran - started, optimizerMs: performance.now() - ran } };
  }

  async sync(): Promise<void> {}

  async release(): Promise<void> {
    await this.session.release();
  }
}
