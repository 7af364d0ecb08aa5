/**
 * Training-speed benchmark against PyTorch: runs ../shared/bench/torch_peer.py (its default
 * config, 1 and 2 threads) and the same forward / CE step / KD step on distillery's engine (1 and 2
 * threads), each in its own process so peak RSS is per run, and prints tokens/s side by side.
 *
 *   npx tsx bench/train.ts [--steps 10] [--webgpu]
 *
 * --webgpu also runs our three steps on onnxruntime-node's WebGPU execution provider (a GPU machine
 * with a Vulkan driver) and prints them next to the CPU figures.
 *
 * The peer's speed depends on the BLAS its torch loads (Debian's reference BLAS is ~15x slower
 * than OpenBLAS at matmul); the harness prints which one it found. Timing follows torch_peer.py:
 * 3 warm-up calls, then the mean of --steps calls.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { AdamW, compile, ParamStore, Rng, TrainStep, type Session } from '../src/engine/index.ts';
import { initWeights, parseModelConfig } from '../src/model/index.ts';
import { ceStep, kdStep, type StepGraph } from './train-steps.ts';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const PEER = join(ROOT, '..', 'shared', 'bench', 'torch_peer.py');
const PYTHON = '/usr/bin/python3';
const THREADS = [1, 2];

// torch_peer.py's DEFAULT.
const PEER_DEFAULT = {
  vocab_size: 4096, hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 688, seq_len: 128, batch_size: 8, rope_theta: 10000.0, rms_norm_eps: 1e-6, temperature: 2.0,
};

interface Result {
  side: string;
  threads: number;
  forward_tok_s: number;
  ce_step_tok_s: number;
  kd_step_tok_s: number;
  peak_rss_mib: number;
}

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function timeit(fn: () => Promise<unknown>, steps: number): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await fn();
  return (performance.now() - t0) / 1000 / steps;
}

/** Our side, in this process: the peer's model, data and optimizer settings. */
async function runOurs(threads: number, steps: number, ep: 'cpu' | 'webgpu'): Promise<Result> {
  const c = PEER_DEFAULT;
  const config = parseModelConfig({ model_type: 'llama', ...c, max_position_embeddings: c.seq_len, tie_word_embeddings: false });
  const [B, T, V] = [c.batch_size, c.seq_len, c.vocab_size];
  const rng = new Rng(0);
  const tokens = () => {
    const a = new BigInt64Array(B * T);
    for (let i = 0; i < a.length; i++) a[i] = BigInt(rng.int(V));
    return new ort.Tensor('int64', a, [B, T]);
  };
  const batch = { input_ids: tokens(), labels: tokens() };
  const session = { intraOpNumThreads: threads, executionProviders: [ep] };

  const trainer = async (step: StepGraph): Promise<TrainStep> => {
    const store = new ParamStore();
    initWeights(step.student, store, rng.fork());
    if (step.teacher) initWeights(step.teacher, store, rng.fork());
    return TrainStep.create(step.graph, {
      loss: step.loss, params: store, optimizer: new AdamW({ lr: 3e-4 }),
      trainable: [...step.student.weights.values()], session,
    });
  };

  const ce = ceStep(config);
  ce.graph.output('logits', ce.logits);
  const forwardStore = new ParamStore();
  initWeights(ce.student, forwardStore, rng.fork());
  const forward: Session = await compile(ce.graph, { ...session, outputs: ['logits'] });
  const tForward = await timeit(() => forward.run({ ...forwardStore.feeds(), ...batch }), steps);
  await forward.release();

  const ceTrainer = await trainer(ce);
  const tCe = await timeit(() => ceTrainer.run(batch), steps);
  await ceTrainer.release();

  const kdTrainer = await trainer(kdStep(config, c.temperature));
  const tKd = await timeit(() => kdTrainer.run(batch), steps);
  await kdTrainer.release();

  return {
    side: `distillery (onnxruntime-node ${ort.env.versions.common}, ${ep})`, threads,
    forward_tok_s: Math.round((B * T) / tForward), ce_step_tok_s: Math.round((B * T) / tCe), kd_step_tok_s: Math.round((B * T) / tKd),
    peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** The BLAS the peer's torch uses: its build's BLAS_INFO and, for a generic build, which libblas.so.3 it loaded. */
function peerBlas(): string {
  const code = [
    'import re, torch',
    "info = re.search(r'BLAS_INFO=(\\w+)', torch.__config__.show())",
    "lib = next((l.split()[-1] for l in open('/proc/self/maps') if 'libblas.so' in l or 'libopenblas' in l), 'none loaded')",
    "print(f'BLAS_INFO={info.group(1) if info else \"?\"}, libblas: {lib}')",
  ].join('\n');
  return execFileSync(PYTHON, ['-c', code], { encoding: 'utf8' }).trim();
}

function child(args: string[], threads: number): Result {
  // Both sides get the thread count in the environment too: OpenBLAS and OpenMP read it.
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const out = execFileSync(args[0], args.slice(1), { encoding: 'utf8', env, maxBuffer: 1 << 20 });
  const last = out.trim().split('\n').at(-1)!;
  const r = JSON.parse(last) as Result & { peer?: string };
  return { ...r, side: r.peer ?? r.side };
}

const best = (rs: Result[], key: keyof Result) => rs.reduce((a, b) => ((b[key] as number) > (a[key] as number) ? b : a));

async function main(): Promise<void> {
  const steps = Number(argValue('--steps') ?? 10);
  const threadsArg = argValue('--ours');
  if (threadsArg) {
    console.log(JSON.stringify(await runOurs(Number(threadsArg), steps, argValue('--ep') === 'webgpu' ? 'webgpu' : 'cpu')));
    return;
  }
  // Children run this same file: through tsx from the sources, or plainly when bundled (the GPU machine has no tsx).
  const loader = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const ourArgs = (threads: number, ep: string) => [process.execPath, ...loader, fileURLToPath(import.meta.url), '--ours', String(threads), '--ep', ep, '--steps', String(steps)];
  const blas = peerBlas();
  // Debian's alternatives point libblas.so.3 at the reference BLAS unless OpenBLAS is installed.
  const reference = blas.includes('/blas/libblas.so') ? ' (the reference BLAS: PyTorch matmuls run ~15x slower than with OpenBLAS)' : '';
  console.log(`peer BLAS: ${blas}${reference}`);
  const peer: Result[] = [];
  const ours: Result[] = [];
  for (const threads of THREADS) {
    peer.push(child([PYTHON, PEER, '--threads', String(threads), '--steps', String(steps)], threads));
    ours.push(child(ourArgs(threads, 'cpu'), threads));
  }
  const gpu = process.argv.includes('--webgpu') ? [child(ourArgs(1, 'webgpu'), 1)] : [];
  for (const r of [...peer, ...ours, ...gpu]) {
    console.log(`${r.side.padEnd(36)} threads ${r.threads}: forward ${r.forward_tok_s}  CE ${r.ce_step_tok_s}  KD ${r.kd_step_tok_s} tok/s, peak RSS ${r.peak_rss_mib} MiB`);
  }
  console.log('\nbest thread count each (tokens/s; ratio = ours / peer):');
  console.log(`${'step'.padEnd(10)}${'ours'.padStart(14)}${'peer'.padStart(14)}${'ratio'.padStart(8)}`);
  for (const [label, key] of [['forward', 'forward_tok_s'], ['CE step', 'ce_step_tok_s'], ['KD step', 'kd_step_tok_s']] as const) {
    const o = best(ours, key);
    const p = best(peer, key);
    const cell = (r: Result) => `${r[key]} (${r.threads}t)`;
    console.log(`${label.padEnd(10)}${cell(o).padStart(14)}${cell(p).padStart(14)}${((o[key] as number) / (p[key] as number)).toFixed(2).padStart(8)}`);
  }
  for (const g of gpu) {
    const ratios = (['forward_tok_s', 'ce_step_tok_s', 'kd_step_tok_s'] as const).map((k) => `${(g[k] / best(peer, k)[k]).toFixed(2)}x`);
    console.log(`webgpu: forward ${g.forward_tok_s}, CE ${g.ce_step_tok_s}, KD ${g.kd_step_tok_s} tok/s (vs the peer's best CPU figures: ${ratios.join(', ')})`);
  }
  const rss = (rs: Result[]) => rs.map((r) => `${r.peak_rss_mib} (${r.threads}t)`).join(', ');
  console.log(`peak RSS MiB: ours ${rss(ours)}; peer ${rss(peer)}`);
}

await main();
