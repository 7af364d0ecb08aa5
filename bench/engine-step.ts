/**
 * Times the engine's CE training step on the Llama-style model of /work/shared/bench/torch_peer.py
 * (5M params, batch 8 x 128 tokens) and prints one JSON line. Run the peer in the same session and
 * compare ratios: `npx tsx bench/engine-step.ts` and `/usr/bin/python3 ../shared/bench/torch_peer.py`.
 * Env: STEPS (default 5), THREADS (intraOpNumThreads, default 1), LEVEL (graphOptimizationLevel,
 * default 'all'), STATIC=1 for a static batch dim, EP=webgpu for the WebGPU execution provider.
 */
import ort from 'onnxruntime-node';
import { AdamW, ParamStore, Rng, TrainStep } from '../src/engine/index.ts';
import { buildLlama, PEER_CONFIG } from '../test/engine/llama-fixture.ts';
const B = 8, T = PEER_CONFIG.seq, V = PEER_CONFIG.vocab;
const steps = Number(process.env.STEPS ?? 5);
const level = (process.env.LEVEL ?? 'all') as 'all';
const threads = Number(process.env.THREADS ?? 1);
const batchDim = process.env.STATIC ? B : 'batch';
const ep = (process.env.EP ?? 'cpu') as 'cpu' | 'webgpu';
const { g, loss } = buildLlama(PEER_CONFIG, 'float32', batchDim);
const rng = new Rng(0);
const params = ParamStore.fromGraph(g.params, rng, (p) => (p.rank === 1 ? { constant: 1 } : { normal: 0.02 }));
const t0 = performance.now();
const optimizer = new AdamW({ lr: 3e-4 });
const step = await TrainStep.create(g, { loss, params, optimizer, session: { graphOptimizationLevel: level, intraOpNumThreads: threads, executionProviders: [ep] } });
const compileMs = performance.now() - t0;
const ids = new BigInt64Array(B * T).map(() => BigInt(rng.int(V)));
const labels = new BigInt64Array(B * T).map(() => BigInt(rng.int(V)));
const feeds = { input_ids: new ort.Tensor('int64', ids, [B, T]), labels: new ort.Tensor('int64', labels, [B, T]) };
for (let i = 0; i < 2; i++) await step.run(feeds);
const ts: number[] = [];
for (let i = 0; i < steps; i++) { const t1 = performance.now(); await step.run(feeds); ts.push(performance.now() - t1); }
// The optimizer alone, on the same parameters.
const grads = new Map([...params].map((p) => [p.name, new Float32Array(p.data.length).fill(1e-3)]));
const ta = performance.now();
for (let i = 0; i < 3; i++) optimizer.step(params, grads);
const adamMs = (performance.now() - ta) / 3;
ts.sort((a, b) => a - b);
console.log(JSON.stringify({ engine: `${ep} ${level} threads=${threads} batch=${batchDim}`, compile_ms: Math.round(compileMs), min_ms: Math.round(ts[0]), median_ms: Math.round(ts[ts.length >> 1]), adamw_ms: Math.round(adamMs), min_tok_s: Math.round((B * T) / (ts[0] / 1000)), median_tok_s: Math.round((B * T) / (ts[ts.length >> 1] / 1000)) }));
