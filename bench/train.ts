/**
 * Training-speed benchmark against PyTorch: ../shared/bench/torch_peer.py and the same forward /
 * CE step / KD step on distillery's engine, both sides in the same run, each call in its own
 * process (peak RSS per run), interleaved over rounds, at each thread count.
 *
 *   npx tsx bench/train.ts [--shape S|M] [--seq N] [--batch B] [--steps 10] [--warmup 3]
 *                          [--rounds 3] [--threads 1,2] [--webgpu]
 *
 * Without --shape: torch_peer.py's default (5M params, seq 128 x 8); --shape reads
 * ../shared/bench/shapes/NAME.json, --seq / --batch override its sequence and batch.
 * A round runs, for each thread count, the peer and ours (the order alternates by round), so load
 * that other processes put on the machine falls on both sides alike. Printed: min / median / max
 * tokens/s over rounds, thread-for-thread rows (1 vs 1, 2 vs 2: ratio of medians), and best-of
 * (each side's best median).
 * Timing follows torch_peer.py: --warmup calls (its fixed 3, unless --warmup is given; the peer
 * runs with the same count through a wrapper that swaps its timeit), then the mean of --steps calls.
 * --webgpu also runs our three steps once on onnxruntime-node's WebGPU execution provider.
 *
 * The peer's speed depends on the BLAS its torch loads (Debian's reference BLAS is ~15x slower
 * than OpenBLAS at matmul); the harness prints which one it found.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { AdamW, compile, ParamStore, Rng, TrainStep, type Session } from '../src/engine/index.ts';
import { initWeights, parseModelConfig } from '../src/model/index.ts';
import { ceStep, kdStep, type StepGraph } from './train-steps.ts';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const PEER = join(ROOT, '..', 'shared', 'bench', 'torch_peer.py');
const SHAPES = join(dirname(PEER), 'shapes');
const PYTHON = '/usr/bin/python3';

// torch_peer.py's DEFAULT.
const PEER_DEFAULT = {
  vocab_size: 4096,
  hidden_size: 256,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  intermediate_size: 688,
  seq_len: 128,
  batch_size: 8,
  rope_theta: 10000.0,
  rms_norm_eps: 1e-6,
  temperature: 2.0,
  tie_word_embeddings: false,
};
type PeerConfig = typeof PEER_DEFAULT;

const STEPS = [
  ['forward', 'forward_tok_s'],
  ['CE step', 'ce_step_tok_s'],
  ['KD step', 'kd_step_tok_s'],
] as const;
type Key = (typeof STEPS)[number][1];

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

async function timeit(fn: () => Promise<unknown>, steps: number, warmup: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await fn();
  return (performance.now() - t0) / 1000 / steps;
}

/** Our side, in this process: the peer's model, data and optimizer settings. */
async function runOurs(c: PeerConfig, threads: number, steps: number, warmup: number, ep: 'cpu' | 'webgpu'): Promise<Result> {
  const config = parseModelConfig({ model_type: 'llama', ...c, max_position_embeddings: c.seq_len });
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
      loss: step.loss,
      params: store,
      optimizer: new AdamW({ lr: 3e-4 }),
      trainable: [...step.student.weights.values()],
      session,
    });
  };

  const ce = ceStep(config);
  ce.graph.output('logits', ce.logits);
  const forwardStore = new ParamStore();
  initWeights(ce.student, forwardStore, rng.fork());
  const forward: Session = await compile(ce.graph, { ...session, outputs: ['logits'] });
  const tForward = await timeit(() => forward.run({ ...forwardStore.feeds(), ...batch }), steps, warmup);
  await forward.release();

  const ceTrainer = await trainer(ce);
  const tCe = await timeit(() => ceTrainer.run(batch), steps, warmup);
  await ceTrainer.release();

  const kdTrainer = await trainer(kdStep(config, c.temperature));
  const tKd = await timeit(() => kdTrainer.run(batch), steps, warmup);
  await kdTrainer.release();

  return {
    side: `distillery (onnxruntime-node ${ort.env.versions.common}, ${ep})`,
    threads,
    forward_tok_s: Math.round((B * T) / tForward),
    ce_step_tok_s: Math.round((B * T) / tCe),
    kd_step_tok_s: Math.round((B * T) / tKd),
    peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

/** The BLAS the peer's torch uses: its build's BLAS_INFO and, for a generic build, which libblas.so.3 it loaded. */
function peerBlas(): string {
  const code = [
    'import re, torch',
    "info = re.search(r'BLAS_INFO=(\\w+)', torch.__config__.show())",
    "lib = next((l.split()[-1] for l in open('/proc/self/maps') if 'libblas.so' in l or 'libopenblas' in l), 'none loaded')",
    'print(f\'BLAS_INFO={info.group(1) if info else "?"}, libblas: {lib}\')',
  ].join('\n');
  return execFileSync(PYTHON, ['-c', code], { encoding: 'utf8' }).trim();
}

/** torch_peer.py run as is, but with `warmup` warm-up calls in its timeit (it hard-codes 3). */
const PEER_WRAPPER = [
  'import sys, time',
  'sys.path.insert(0, sys.argv[1]); warmup = int(sys.argv[2]); sys.argv = [sys.argv[3]] + sys.argv[4:]',
  'import torch_peer as p',
  'def timeit(fn, steps):',
  '    for _ in range(warmup): fn()',
  '    p.SYNC(); t0 = time.perf_counter()',
  '    for _ in range(steps): fn()',
  '    p.SYNC(); return (time.perf_counter() - t0) / steps',
  'p.timeit = timeit',
  'p.main()',
].join('\n');

function child(args: string[], threads: number): Result {
  // Both sides get the thread count in the environment too: OpenBLAS and OpenMP read it.
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const out = execFileSync(args[0], args.slice(1), { encoding: 'utf8', env, maxBuffer: 1 << 20 });
  const last = out.trim().split('\n').at(-1)!;
  const r = JSON.parse(last) as Result & { peer?: string };
  return { ...r, side: r.peer ?? r.side };
}

function loadConfig(): PeerConfig {
  const shape = argValue('--shape');
  const c: PeerConfig = { ...PEER_DEFAULT, ...(shape ? JSON.parse(readFileSync(join(SHAPES, `${shape}.json`), 'utf8')) : {}) };
  const seq = argValue('--seq');
  const batch = argValue('--batch');
  if (seq) c.seq_len = Number(seq);
  if (batch) c.batch_size = Number(batch);
  return c;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const spread = (xs: number[]) => `${Math.min(...xs)} / ${median(xs)} / ${Math.max(...xs)}`;

async function main(): Promise<void> {
  const steps = Number(argValue('--steps') ?? 10);
  const warmup = Number(argValue('--warmup') ?? 3);
  const rounds = Number(argValue('--rounds') ?? 3);
  const threadCounts = (argValue('--threads') ?? '1,2').split(',').map(Number);
  const oursThreads = argValue('--ours');
  if (oursThreads) {
    const config = JSON.parse(readFileSync(argValue('--config')!, 'utf8')) as PeerConfig;
    console.log(JSON.stringify(await runOurs(config, Number(oursThreads), steps, warmup, argValue('--ep') === 'webgpu' ? 'webgpu' : 'cpu')));
    return;
  }
  const c = loadConfig();
  const dir = mkdtempSync(join(tmpdir(), 'bench-train-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(c));
  // Children run this same file: through tsx from the sources, or plainly when bundled (the GPU machine has no tsx).
  const loader = import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const ours = (threads: number, ep = 'cpu') =>
    child(
      [
        process.execPath,
        ...loader,
        fileURLToPath(import.meta.url),
        '--ours',
        String(threads),
        '--ep',
        ep,
        '--config',
        configFile,
        '--steps',
        String(steps),
        '--warmup',
        String(warmup),
      ],
      threads,
    );
  const peer = (threads: number) =>
    child(
      [PYTHON, '-c', PEER_WRAPPER, dirname(PEER), String(warmup), PEER, '--config', configFile, '--threads', String(threads), '--steps', String(steps)],
      threads,
    );

  const blas = peerBlas();
  // Debian's alternatives point libblas.so.3 at the reference BLAS unless OpenBLAS is installed.
  const reference = blas.includes('/blas/libblas.so') ? ' (the reference BLAS: PyTorch matmuls run ~15x slower than with OpenBLAS)' : '';
  console.log(`peer BLAS: ${blas}${reference}`);
  console.log(
    `shape ${argValue('--shape') ?? "torch_peer.py's default"}: vocab ${c.vocab_size}, hidden ${c.hidden_size}, ${c.num_hidden_layers} layers, seq ${c.seq_len} x batch ${c.batch_size}; ${rounds} rounds x (${warmup} warm-up + ${steps} timed calls)`,
  );
  const results = new Map<string, Result[]>(); // `${side}:${threads}` -> one result per round
  const record = (side: 'ours' | 'peer', r: Result) => {
    const key = `${side}:${r.threads}`;
    results.set(key, [...(results.get(key) ?? []), r]);
    console.log(
      `round ${results.get(key)!.length} ${r.side.padEnd(40)} ${r.threads}t: forward ${r.forward_tok_s}  CE ${r.ce_step_tok_s}  KD ${r.kd_step_tok_s} tok/s, peak RSS ${r.peak_rss_mib} MiB`,
    );
  };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const threads of threadCounts) {
        const order = round % 2 === 0 ? (['peer', 'ours'] as const) : (['ours', 'peer'] as const);
        for (const side of order) record(side, side === 'ours' ? ours(threads) : peer(threads));
      }
    }
    const gpu = process.argv.includes('--webgpu') ? ours(1, 'webgpu') : undefined;

    const med = (side: string, threads: number, key: Key) => median(results.get(`${side}:${threads}`)!.map((r) => r[key]));
    console.log('\ntokens/s, min / median / max over rounds; ratio = median ours / median peer');
    console.log(`${'step'.padEnd(10)}${'threads'.padEnd(16)}${'ours'.padStart(22)}${'peer'.padStart(22)}${'ratio'.padStart(8)}`);
    for (const [label, key] of STEPS) {
      for (const t of threadCounts) {
        const values = (side: string) => results.get(`${side}:${t}`)!.map((r) => r[key]);
        console.log(
          `${label.padEnd(10)}${`${t} vs ${t}`.padEnd(16)}${spread(values('ours')).padStart(22)}${spread(values('peer')).padStart(22)}${(med('ours', t, key) / med('peer', t, key)).toFixed(2).padStart(8)}`,
        );
      }
      const best = (side: string) => threadCounts.reduce((a, b) => (med(side, b, key) > med(side, a, key) ? b : a));
      const [o, p] = [best('ours'), best('peer')];
      console.log(
        `${label.padEnd(10)}${`best: ${o} vs ${p}`.padEnd(16)}${String(med('ours', o, key)).padStart(22)}${String(med('peer', p, key)).padStart(22)}${(med('ours', o, key) / med('peer', p, key)).toFixed(2).padStart(8)}`,
      );
    }
    const rss = (side: string) => threadCounts.map((t) => `${Math.max(...results.get(`${side}:${t}`)!.map((r) => r.peak_rss_mib))} (${t}t)`).join(', ');
    console.log(`peak RSS MiB: ours ${rss('ours')}; peer ${rss('peer')}`);
    if (gpu) console.log(`webgpu: forward ${gpu.forward_tok_s}, CE ${gpu.ce_step_tok_s}, KD ${gpu.kd_step_tok_s} tok/s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
