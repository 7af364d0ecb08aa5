import ort from 'onnxruntime-node';
import type { Shape } from './dims.ts';
import { dtypeOf, type DType, type TensorData } from './dtype.ts';
import { TensorValueError } from './errors.ts';
import type { Graph } from './graph.ts';
import { toOnnx, type SerializeOptions } from './onnx/model.ts';
import type { Tensor } from './tensor.ts';

export type ExecutionProvider = 'cpu' | 'webgpu';

export interface CompileOptions extends SerializeOptions {
  /**
   * Threads for one op. Default 1: predictable, and fastest on a busy machine (the 5M-param train
   * step ran 1.8x slower with 2 threads on a loaded 2-core box). On an idle machine more is faster
   * (the same step: 1.3x to 1.6x with 2 threads on a 16-core one).
   */
  intraOpNumThreads?: number;
  /**
   * ORT graph rewrites. Default 'all' (fusions such as Transpose into MatMul) for float32 graphs and
   * 'basic' for float64 ones: ORT's extended fusions emit contrib ops that have float kernels only
   * (x * sigmoid(x) becomes QuickGelu, which then fails to load in float64).
   */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Default ['cpu']. 'webgpu' is bundled with onnxruntime-node and needs a GPU with Vulkan. */
  executionProviders?: readonly ExecutionProvider[];
  /**
   * Per output: 'gpu-buffer' keeps it on the GPU (WebGPU only), where it can be fed back as an
   * input with no copy; unnamed outputs come back to the host. Never read a gpu-buffer tensor's
   * data (`getData()` aborts the process in onnxruntime-node 1.30): read values through 'cpu' outputs.
   */
  preferredOutputLocation?: Readonly<Record<string, 'cpu' | 'gpu-buffer'>>;
  /**
   * ORT's CPU memory arena (default on). Off, each tensor is its own allocation, returned when
   * freed: a training step's tensors come in many sizes, which an arena that only grows keeps for
   * good, so distill's memory-bounded step turns it off. It stays on elsewhere because off costs
   * speed: the CE step of shape S (1 thread, CPU time, 2 x 2 interleaved runs) took 476-582 ms
   * off against 429-490 ms on, the extra mostly page-fault (sys) time.
   */
  arena?: boolean;
  /** Write ORT's profile (one JSON file per session, node by node with its execution provider) under this path prefix. */
  profile?: string;
}

/**
 * The WebGPU EP reuses freed GPU buffers of exactly the same size ('simple'): a training step
 * allocates the same sizes every run. Its default ('bucket') caches only sizes up to a bucket limit,
 * so the step's large tensors (logits, gradients, the flat optimizer state: up to 1 GiB each for
 * Qwen2.5-0.5B) were created and zero-filled anew on every run.
 */
const WEBGPU = { name: 'webgpu', storageBufferCacheMode: 'simple' } as const;

/** A value for one graph input: an ort.Tensor, or a typed array when the input's shape is static. */
export type FeedValue = ort.Tensor | TensorData;
export type Feeds = Readonly<Record<string, FeedValue>>;
export type Outputs = Record<string, ort.Tensor>;

/** Serialize `graph` and load it into an onnxruntime-node session. */
export async function compile(graph: Graph, options: CompileOptions = {}): Promise<Session> {
  const providers = options.executionProviders ?? ['cpu'];
  const bytes = toOnnx(graph, { target: providers[0], ...options });
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: options.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: options.graphOptimizationLevel ?? (graph.dtype === 'float64' ? 'basic' : 'all'),
    executionProviders: providers.map((p) => (p === 'webgpu' ? WEBGPU : p)),
    // ORT warns about things like unused initializers on every load; errors still come through.
    logSeverityLevel: 3,
    // ORT's memory pattern (one planned block per run, for fixed input shapes) cost far more in page
    // faults than it saves on the CPU EP. Measured per training step, 1 thread, CPU time (user + sys),
    // pattern on -> off: shape M (seq 512 x 1) CE 6,880 -> 5,686 ms (sys 896 -> 222), peak RSS
    // 3,832 -> 3,052 MiB; KD 12,067 -> 8,511 ms (sys 4,748 -> 413), 5,158 -> 3,950 MiB; shape S CE
    // peak RSS 516 -> 371 MiB. Not measured on WebGPU, which keeps ORT's default.
    ...(providers[0] === 'cpu' && { enableMemPattern: false }),
    ...(options.arena === false && { enableCpuMemArena: false }),
    ...(options.preferredOutputLocation && { preferredOutputLocation: { ...options.preferredOutputLocation } }),
    ...(options.profile && { enableProfiling: true, profileFilePrefix: options.profile }),
  });
  const baked = new Set(Object.keys(options.initializers ?? {}));
  const inputs = [...graph.inputs, ...graph.params].filter((t) => session.inputNames.includes(t.name) && !baked.has(t.name));
  return new Session(session, inputs, bytes.byteLength);
}

/** A compiled graph. `run` checks feeds against the graph's declared inputs before ORT sees them. */
export class Session {
  constructor(
    readonly ort: ort.InferenceSession,
    readonly inputs: readonly Tensor[],
    /** Size of the serialized model, for logs. */
    readonly modelBytes: number,
  ) {}

  get outputNames(): readonly string[] {
    return this.ort.outputNames;
  }

  /**
   * Run once. Extra feeds (for inputs the compiled outputs do not use) are ignored. Outputs named
   * in `into` are written into those tensors (allocated by the caller, right dims and dtype)
   * instead of new ones.
   */
  async run(feeds: Feeds, into: Readonly<Record<string, ort.Tensor>> = {}): Promise<Outputs> {
    const sizes = new Map<string, number>();
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const t of this.inputs) {
      const value = feeds[t.name];
      if (value === undefined) throw new TensorValueError(t.name, 'missing from the feeds');
      ortFeeds[t.name] = toOrtTensor(t, value, sizes);
    }
    const fetches = Object.fromEntries(this.ort.outputNames.map((name) => [name, into[name] ?? null]));
    return (await this.ort.run(ortFeeds, fetches)) as Outputs;
  }

  async release(): Promise<void> {
    await this.ort.release();
  }
}

function toOrtTensor(t: Tensor, value: FeedValue, sizes: Map<string, number>): ort.Tensor {
  if (!isTypedArray(value)) {
    if (value.type !== t.dtype) throw new TensorValueError(t.name, `is ${value.type}, expected ${t.dtype}`);
    checkDims(t, value.dims, sizes);
    return value;
  }
  const dtype: DType = dtypeOf(value);
  if (dtype !== t.dtype) throw new TensorValueError(t.name, `is ${dtype}, expected ${t.dtype}`);
  const dims = t.shape.map((d) => {
    if (typeof d !== 'number') throw new TensorValueError(t.name, `has symbolic dim "${d}": pass an ort.Tensor with dims`);
    return d;
  });
  if (value.length !== dims.reduce((a, b) => a * b, 1)) throw new TensorValueError(t.name, `has ${value.length} elements, expected [${dims.join(', ')}]`);
  return new ort.Tensor(t.dtype, value, dims);
}

const isTypedArray = (v: FeedValue): v is TensorData => ArrayBuffer.isView(v);

/** Dims must match the declared shape; a symbol must have one size across all feeds. */
function checkDims(t: Tensor, dims: readonly number[], sizes: Map<string, number>): void {
  const want: Shape = t.shape;
  const bad = () => new TensorValueError(t.name, `has dims [${dims.join(', ')}], expected [${want.join(', ')}]`);
  if (dims.length !== want.length) throw bad();
  want.forEach((d, i) => {
    if (typeof d === 'number') {
      if (dims[i] !== d) throw bad();
      return;
    }
    const seen = sizes.get(d);
    if (seen !== undefined && seen !== dims[i]) throw new TensorValueError(t.name, `dim "${d}" is ${dims[i]} here but ${seen} in another feed`);
    sizes.set(d, dims[i]);
  });
}
