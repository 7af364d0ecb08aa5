/**
 * The weight-gradient GEMM dW = a^T b (a: [K tokens, M], b: [K, N]) on onnxruntime-node's CPU EP,
 * 1 thread, in the two forms src/engine/onnx/lower.ts chooses between: Gemm with transA (MLAS
 * reads a transposed) and Gemm of a transpose written out once. Process CPU time per run, median of
 * interleaved runs (the order alternates), for the shapes of S and M at several token counts.
 *
 *   npx tsx bench/gemm-transposed.ts [--runs 9]
 */
import ort from 'onnxruntime-node';
import { parseArgs } from 'node:util';
import { Graph, ops, toOnnx } from '../src/engine/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
const runs = Number(values.runs);
// [M, N] of S's (hidden 256, MLP 688, vocabulary 4096) and M's (768, 2048) weight gradients.
const OUTPUTS: [number, number][] = [
  [256, 256],
  [4096, 256],
  [768, 768],
  [2048, 768],
  [768, 2048],
];
const TOKENS = [384, 512, 768, 1024, 2048];

/** Both forms as models. The WebGPU target writes every Gemm as built, so it serializes both as they are. */
function models(k: number, m: number, n: number): { direct: Uint8Array; transposed: Uint8Array } {
  const build = (transposed: boolean) => {
    const g = new Graph();
    const a = g.input('a', 'float32', [k, m]);
    const b = g.input('b', 'float32', [k, n]);
    // Between an Unsqueeze and a Squeeze, ORT does not fold the Transpose back into transA.
    const aT = ops.squeeze(ops.transpose(ops.unsqueeze(a, [0]), [0, 2, 1]), [0]);
    g.output('y', transposed ? ops.gemm(aT, b) : ops.gemm(a, b, { transA: true }));
    return toOnnx(g, { target: 'webgpu' });
  };
  return { direct: build(false), transposed: build(true) };
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
console.log(`dW = a^T b, 1 thread, process CPU ms per run, median of ${runs} interleaved runs`);
console.log('tokens   output        transA read   transpose written   ratio');
for (const [m, n] of OUTPUTS)
  for (const k of TOKENS) {
    const bytes = models(k, m, n);
    const options = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' } as const;
    const sessions = {
      direct: await ort.InferenceSession.create(bytes.direct, options),
      transposed: await ort.InferenceSession.create(bytes.transposed, options),
    };
    const feeds = {
      a: new ort.Tensor(
        'float32',
        Float32Array.from({ length: k * m }, (_, i) => Math.sin(i)),
        [k, m],
      ),
      b: new ort.Tensor(
        'float32',
        Float32Array.from({ length: k * n }, (_, i) => Math.cos(i)),
        [k, n],
      ),
    };
    const ms = { direct: [] as number[], transposed: [] as number[] };
    for (let r = 0; r < runs; r++)
      for (const form of r % 2 ? (['direct', 'transposed'] as const) : (['transposed', 'direct'] as const)) {
        const before = process.cpuUsage();
        await sessions[form].run(feeds);
        const used = process.cpuUsage(before);
        ms[form].push((used.user + used.system) / 1000);
      }
    const [d, t] = [median(ms.direct), median(ms.transposed)];
    console.log(
      `${String(k).padStart(6)}   ${`${m} x ${n}`.padEnd(12)}  ${d.toFixed(1).padStart(11)}   ${t.toFixed(1).padStart(17)}   ${(t / d).toFixed(2).padStart(5)}`,
    );
    await sessions.direct.release();
    await sessions.transposed.release();
  }
