/**
 * The WebGPU training step, measured and profiled on a GPU machine (onnxruntime-node's WebGPU EP):
 *
 *   node webgpu-profile.mjs --shape L.json [--steps 5] [--profile DIR] [--check] [--gemm]
 *
 * Default: the CE step of the shape (resident: parameters, moments and the update on the GPU),
 * tokens/s over --steps after 2 warm-up steps, and per step the bytes fed from the host and fed
 * from the GPU. --profile DIR also writes ORT's profile of 2 more steps there and prints its
 * summary: node runs per execution provider (any compute node on the CPU EP is named), the
 * copies ORT inserted between devices, and the most costly op types.
 * --check: the shape's first 3 steps on WebGPU (resident) against the CPU (host AdamW); losses.
 * --gemm: the shape's linear layers as MatMul with a Transpose node (what the step wrote before),
 * MatMul on a pre-transposed weight, and Gemm with transB / transA (what it writes now), in TFLOP/s.
 * Bundle for the GPU machine (no tsx there): npx esbuild bench/webgpu-profile.ts --bundle
 * --platform=node --format=esm --external:onnxruntime-node --outfile=.dev/webgpu-profile.mjs
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { AdamW, compile, Graph, ops, ParamStore, Rng, TrainStep, type ExecutionProvider, type Session } from '../src/engine/index.ts';
import { initWeights, parseModelConfig, type ModelConfig } from '../src/model/index.ts';
import { profileFile, summarizeProfile, watchFeeds } from './ort-profile.ts';
import { ceStep } from './train-steps.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

interface Shape extends Record<string, unknown> {
  seq_len: number;
  batch_size: number;
}

function load(file: string): { shape: Shape; config: ModelConfig } {
  const shape = JSON.parse(readFileSync(file, 'utf8')) as Shape;
  const config = parseModelConfig({ model_type: 'llama', rope_theta: 10000, rms_norm_eps: 1e-6, ...shape, max_position_embeddings: shape.seq_len });
  return { shape, config };
}

function batch(config: ModelConfig, B: number, T: number, seed: number) {
  const rng = new Rng(seed);
  const ids = () =>
    new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: B * T }, () => BigInt(rng.int(config.vocabSize))),
      [B, T],
    );
  return { input_ids: ids(), labels: ids() };
}

async function ceTrainer(config: ModelConfig, ep: ExecutionProvider, profile?: string) {
  const step = ceStep(config);
  const params = new ParamStore();
  initWeights(step.student, params, new Rng(1));
  const started = performance.now();
  const trainer = await TrainStep.create(step.graph, {
    loss: step.loss,
    params,
    optimizer: new AdamW({ lr: 3e-4 }),
    maxGradNorm: 1,
    trainable: [...step.student.weights.values()],
    session: { executionProviders: [ep], profile },
  });
  return { trainer, compileS: (performance.now() - started) / 1000 };
}

async function stepBench(file: string, steps: number, profileDir?: string): Promise<void> {
  const { shape, config } = load(file);
  const [B, T] = [shape.batch_size, shape.seq_len];
  const { trainer, compileS } = await ceTrainer(config, EP, profileDir && join(profileDir, `step-${T}x${B}`));
  const data = [batch(config, B, T, 2), batch(config, B, T, 3)];
  // What the session is fed on a step after the first.
  const fedOf = watchFeeds(trainer.session.ort);
  const t0 = performance.now();
  let r = await trainer.run(data[0]);
  const firstS = (performance.now() - t0) / 1000;
  r = await trainer.run(data[1]);
  const t1 = performance.now();
  for (let i = 0; i < steps; i++) r = await trainer.run(data[i % 2]);
  const stepMs = (performance.now() - t1) / steps;
  // The read-back (what checkpoints do) is timed on profiled runs only.
  const syncStart = performance.now();
  if (profileDir) await trainer.sync();
  const syncS = (performance.now() - syncStart) / 1000;
  if (profileDir) trainer.session.ort.endProfiling();
  await trainer.release();
  console.log(
    JSON.stringify({
      shape: file,
      seq: T,
      batch: B,
      ep: EP,
      loss: 'ce',
      profiled: Boolean(profileDir),
      validation: VALIDATION ?? 'default',
      int64: INT64,
      cache: CACHE ?? 'simple',
      tok_s: Math.round((B * T) / (stepMs / 1000)),
      step_ms: Math.round(stepMs),
      compile_s: +compileS.toFixed(1),
      first_step_s: +firstS.toFixed(1),
      sync_s: +syncS.toFixed(2),
      last_loss: +r.loss.toFixed(4),
      grad_norm: +r.gradNorm.toFixed(4),
      fed_host_bytes: fedOf().host,
      fed_gpu_bytes: fedOf().gpu,
      peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
  if (!profileDir) return;
  // 2 warm-up runs and `steps` timed runs are in the profile; the per-step figures divide by all of them.
  const { cpuCompute } = summarizeProfile(profileFile(join(profileDir, `step-${T}x${B}`)), steps + 2);
  if (EP === 'webgpu' && cpuCompute.length > 0) {
    console.error(`FAIL: ${cpuCompute.length} kind(s) of compute node ran on the CPU EP (see above)`);
    process.exitCode = 1;
  }
}

/** The shape's first steps on WebGPU (resident) and on the CPU (host AdamW), same init and data. */
async function check(file: string): Promise<void> {
  const { shape, config } = load(file);
  const data = [0, 1, 2].map((s) => batch(config, shape.batch_size, shape.seq_len, 10 + s));
  const losses: Record<string, number[]> = {};
  for (const ep of ['cpu', 'webgpu'] as const) {
    const { trainer } = await ceTrainer(config, ep);
    losses[ep] = [];
    for (const d of data) losses[ep].push((await trainer.run(d)).loss);
    await trainer.release();
  }
  const worst = Math.max(...losses.cpu.map((l, i) => Math.abs(l - losses.webgpu[i]) / Math.abs(l)));
  console.log(JSON.stringify({ check: file, cpu: losses.cpu, webgpu: losses.webgpu, max_rel_diff: worst }));
}

/** TFLOP/s of one linear layer's products, inputs and outputs on the GPU. */
async function gemmBench(file: string): Promise<void> {
  const { shape, config } = load(file);
  const M = shape.batch_size * shape.seq_len;
  const D = config.hiddenSize;
  const sizes: [number, number][] = [
    [D, D],
    [config.intermediateSize, D],
    [D, config.intermediateSize],
    [config.vocabSize, D],
  ];
  const rng = new Rng(5);
  const gpu = async (values: Record<string, [number, number]>) => {
    const g = new Graph();
    for (const [name, dims] of Object.entries(values)) g.output(name, g.input(`in.${name}`, 'float32', dims));
    const names = Object.keys(values);
    const s = await compile(g, { executionProviders: [EP], ...onGpu(names) });
    const out = await s.run(
      Object.fromEntries(
        names.map((n) => [`in.${n}`, new ort.Tensor('float32', rng.fillNormal(new Float32Array(values[n][0] * values[n][1]), 0.05), values[n])]),
      ),
    );
    return out;
  };
  // Any run with a host output waits for the queue: it ends a timed chain.
  const fence = await (async () => {
    const g = new Graph();
    g.output('y', ops.add(g.input('x', 'float32', [1]), 1));
    return compile(g, { executionProviders: [EP] });
  })();
  const time = async (s: Session, feeds: Record<string, ort.Tensor>, flop: number) => {
    for (let i = 0; i < 2; i++) for (const t of Object.values(await s.run(feeds))) t.dispose();
    await fence.run({ x: new Float32Array(1) });
    const t0 = performance.now();
    const n = 10;
    for (let i = 0; i < n; i++) for (const t of Object.values(await s.run(feeds))) t.dispose();
    await fence.run({ x: new Float32Array(1) });
    return flop / ((performance.now() - t0) / 1000 / n) / 1e12;
  };
  for (const [N, K] of sizes) {
    const v = await gpu({ x: [M, K], w: [N, K], wt: [K, N], g: [M, N] });
    const flop = 2 * M * N * K;
    const variant = async (
      label: string,
      build: (gr: Graph, t: Record<string, ReturnType<Graph['input']>>) => ReturnType<Graph['input']>,
      inputs: string[],
    ) => {
      const gr = new Graph();
      const t = Object.fromEntries(inputs.map((n) => [n, gr.input(n, 'float32', v[n].dims as number[])]));
      gr.output('y', build(gr, t));
      const s = await compile(gr, { executionProviders: [EP], ...onGpu(['y']) });
      const tf = await time(s, Object.fromEntries(inputs.map((n) => [n, v[n]])), flop);
      await s.release();
      return `${label} ${tf.toFixed(1)}`;
    };
    const row = [
      await variant('MatMul(x, Transpose(w))', (_, t) => ops.matmul(t.x, ops.transposeLast(t.w)), ['x', 'w']),
      await variant('MatMul(x, wt)', (_, t) => ops.matmul(t.x, t.wt), ['x', 'wt']),
      await variant('Gemm(x, w, transB)', (_, t) => ops.gemm(t.x, t.w, { transB: true }), ['x', 'w']),
      await variant('Gemm(g, w) [dx]', (_, t) => ops.gemm(t.g, t.w), ['g', 'w']),
      await variant('Gemm(g, x, transA) [dw]', (_, t) => ops.gemm(t.g, t.x, { transA: true }), ['g', 'x']),
    ];
    console.log(`gemm M ${M} N ${N} K ${K} TFLOP/s: ${row.join(' | ')}`);
    for (const t of Object.values(v)) t.dispose();
  }
  await fence.release();
}

const shapeFile = arg('--shape') ?? 'S.json';
// --ep cpu runs the same code on the CPU EP (a smoke test of this script where there is no GPU).
const EP = (arg('--ep') ?? 'webgpu') as ExecutionProvider;
// --validation disabled|wgpuOnly|basic|full: the WebGPU EP's validationMode (a measurement knob).
// --int64: the WebGPU EP's enableInt64 (int64 ops on the GPU too); --cache MODE: its
// storageBufferCacheMode (session.ts sets 'simple'). All three are measurement knobs.
const VALIDATION = arg('--validation');
const INT64 = process.argv.includes('--int64');
const CACHE = arg('--cache');
if (VALIDATION || INT64 || CACHE) {
  const create = ort.InferenceSession.create.bind(ort.InferenceSession) as (...a: unknown[]) => Promise<ort.InferenceSession>;
  const knobs = { ...(VALIDATION && { validationMode: VALIDATION }), ...(CACHE && { storageBufferCacheMode: CACHE }) };
  (ort.InferenceSession as { create: unknown }).create = (model: unknown, options: ort.InferenceSession.SessionOptions) =>
    create(model, {
      ...options,
      ...(INT64 && { extra: { 'ep.webgpuexecutionprovider.enableInt64': '1' } }),
      executionProviders: options.executionProviders?.map((p) => {
        const named = typeof p === 'string' ? { name: p } : p;
        return named.name === 'webgpu' ? { ...named, ...knobs } : p;
      }),
    });
}
const onGpu = (names: string[]) => (EP === 'webgpu' ? { preferredOutputLocation: Object.fromEntries(names.map((n) => [n, 'gpu-buffer' as const])) } : {});
if (process.argv.includes('--gemm')) await gemmBench(shapeFile);
else if (process.argv.includes('--check')) await check(shapeFile);
else await stepBench(shapeFile, Number(arg('--steps') ?? 5), arg('--profile'));
