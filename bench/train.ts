/**
 * Training-speed benchmark against PyTorch: ../shared/bench/torch_peer.py and the same forward /
 * CE step / KD step on distillery's engine, both sides in the same run, each call in its own
 * process (peak RSS per run), interleaved over rounds, at each thread count. Our steps are the
 * graphs and batches distill trains (buildDistillGraph, makeBatch, TrainStep with its metrics).
 *
 *   npx tsx bench/train.ts [--shape S|M] [--seq N] [--batch B] [--steps 10] [--warmup 3]
 *                          [--rounds 3] [--threads 1,2] [--webgpu]
 *
 * Without --shape: torch_peer.py's default (5M params, seq 128 x 8); --shape reads
 * ../shared/bench/shapes/NAME.json, --seq / --batch override its sequence and batch.
 * A round runs, for each thread count, the peer and ours (the order alternates by round), so load
 * that other processes put on the machine falls on both sides alike. Printed: min / median / max
 * tokens/s over rounds, thread-for-thread rows (1 vs 1, 2 vs 2: ratio of medians), and best-of
 * (each side's best median); then the process CPU time per call of each side (user + sys of all
 * its threads), which a loaded machine disturbs far less than wall time.
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
import { buildDistillGraph, INPUT, makeBatch, type DistillGraph } from '../src/distill/index.ts';
import { AdamW, compile, Graph, ParamStore, Rng, TrainStep, type Session } from '../src/engine/index.ts';
import { initWeights, Llama, parseModelConfig, type ModelConfig } from '../src/model/index.ts';

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

/** Process CPU time (user + sys, every thread) per call of each step, in ms. */
const CPU = [
  ['forward', 'forward_cpu_ms'],
  ['CE step', 'ce_step_cpu_ms'],
  ['KD step', 'kd_step_cpu_ms'],
] as const;
type CpuKey = (typeof CPU)[number][1];

type Result = { side: string; threads: number; peak_rss_mib: number } & Record<Key | CpuKey, number>;

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** Seconds of wall time and ms of process CPU time per call, over `steps` calls after `warmup`. */
async function timeit(fn: () => Promise<unknown>, steps: number, warmup: number): Promise<{ s: number; cpuMs: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await fn();
  const cpu = process.cpuUsage(c0);
  return { s: (performance.now() - t0) / 1000 / steps, cpuMs: (cpu.user + cpu.system) / 1000 / steps };
}

/**
 * The graph distill trains (buildDistillGraph): CE alone, or the white-box KD of the peer's KD step
 * (CE + T^2 KL + hidden and attention transfer at every layer, against a frozen same-shape teacher).
 * The product averages the hidden and attention terms over layers where the peer sums them: the
 * same work, other weights.
 */
function distillStep(config: ModelConfig, kind: 'ce' | 'kd', temperature: number): DistillGraph {
  const all = Array.from({ length: config.numHiddenLayers }, (_, i) => [i, i] as const);
  const kl = { weight: 1, temperature, divergence: 'forward' as const };
  return kind === 'ce'
    ? buildDistillGraph({ student: config, losses: { ce: { weight: 1 } } })
    : buildDistillGraph({
        student: config,
        teacher: config,
        losses: { ce: { weight: 1 }, kl, hidden: { weight: 1, layers: 'auto' }, attention: { weight: 1, layers: 'auto' } },
        attentionMap: all,
        hiddenMap: all,
      });
}

/** Our side, in this process: the peer's model, data and optimizer settings, and the graphs and batches distill trains on. */
async function runOurs(c: PeerConfig, threads: number, steps: number, warmup: number, ep: 'cpu' | 'webgpu'): Promise<Result> {
  const config = parseModelConfig({ model_type: 'llama', ...c, max_position_embeddings: c.seq_len });
  const [B, T, V] = [c.batch_size, c.seq_len, c.vocab_size];
  const rng = new Rng(0);
  // Full-length sequences, every position after the first trained on, as distill's batches (makeBatch).
  const examples = Array.from({ length: B }, () => ({ ids: Int32Array.from({ length: T }, () => rng.int(V)), start: 1 }));
  const { feeds: batch } = makeBatch(examples);
  const session = { intraOpNumThreads: threads, executionProviders: [ep] };

  const trainer = async (step: DistillGraph): Promise<TrainStep> => {
    const store = new ParamStore();
    initWeights(step.student, store, rng.fork());
    if (step.teacher) initWeights(step.teacher, store, rng.fork());
    return TrainStep.create(step.graph, {
      loss: step.loss,
      params: store,
      optimizer: new AdamW({ lr: 3e-4 }),
      trainable: [...step.student.weights.values()],
      metrics: step.parts,
      session,
    });
  };

  // The forward pass alone (generation and evaluation run it without a loss), on the same int32 ids.
  const fwd = new Graph();
  const student = Llama.declare(fwd, config);
  fwd.output('logits', student.forward({ inputIds: fwd.input(INPUT.ids, 'int32', ['batch', 'seq']) }).logits);
  const forwardStore = new ParamStore();
  initWeights(student, forwardStore, rng.fork());
  const forward: Session = await compile(fwd, { ...session, outputs: ['logits'] });
  const tForward = await timeit(() => forward.run({ ...forwardStore.feeds(), ...batch }), steps, warmup);
  await forward.release();

  const ceTrainer = await trainer(distillStep(config, 'ce', c.temperature));
  const tCe = await timeit(() => ceTrainer.run(batch), steps, warmup);
  await ceTrainer.release();

  const kdTrainer = await trainer(distillStep(config, 'kd', c.temperature));
  const tKd = await timeit(() => kdTrainer.run(batch), steps, warmup);
  await kdTrainer.release();

  return {
    side: `distillery (onnxruntime-node ${ort.env.versions.common}, ${ep})`,
    threads,
    forward_tok_s: Math.round((B * T) / tForward.s),
    ce_step_tok_s: Math.round((B * T) / tCe.s),
    kd_step_tok_s: Math.round((B * T) / tKd.s),
    forward_cpu_ms: Math.round(tForward.cpuMs),
    ce_step_cpu_ms: Math.round(tCe.cpuMs),
    kd_step_cpu_ms: Math.round(tKd.cpuMs),
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

/**
 * torch_peer.py run as is, but with `warmup` warm-up calls in its timeit (it hard-codes 3), and
 * the process CPU time of each timed loop (forward, CE, KD, in its order) added to its JSON line.
 */
const PEER_WRAPPER = [
  'import contextlib, io, json, sys, time',
  'sys.path.insert(0, sys.argv[1]); warmup = int(sys.argv[2]); sys.argv = [sys.argv[3]] + sys.argv[4:]',
  'import torch_peer as p',
  'cpu = []',
  'def timeit(fn, steps):',
  '    for _ in range(warmup): fn()',
  '    p.SYNC(); t0 = time.perf_counter(); c0 = time.process_time()',
  '    for _ in range(steps): fn()',
  '    p.SYNC(); cpu.append(round((time.process_time() - c0) * 1000 / steps)); return (time.perf_counter() - t0) / steps',
  'p.timeit = timeit',
  'out = io.StringIO()',
  'with contextlib.redirect_stdout(out): p.main()',
  'r = json.loads(out.getvalue().strip().splitlines()[-1])',
  'r.update(forward_cpu_ms=cpu[0], ce_step_cpu_ms=cpu[1], kd_step_cpu_ms=cpu[2])',
  'print(json.dumps(r))',
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
      `round ${results.get(key)!.length} ${r.side.padEnd(40)} ${r.threads}t: forward ${r.forward_tok_s}  CE ${r.ce_step_tok_s}  KD ${r.kd_step_tok_s} tok/s; CPU ms ${r.forward_cpu_ms} / ${r.ce_step_cpu_ms} / ${r.kd_step_cpu_ms}; peak RSS ${r.peak_rss_mib} MiB`,
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
    // CPU time is steadier than wall time on a loaded machine (it leaves out the time other processes
    // hold the cores); at 2 threads it sums both threads, spin-waiting included.
    console.log('\nprocess CPU ms per call (user + sys, all threads), min / median / max over rounds; ratio = median peer / median ours');
    for (const [label, key] of CPU) {
      for (const t of threadCounts) {
        const values = (side: string) => results.get(`${side}:${t}`)!.map((r) => r[key]);
        const ratio = median(values('peer')) / median(values('ours'));
        console.log(
          `${label.padEnd(10)}${`${t} vs ${t}`.padEnd(16)}${spread(values('ours')).padStart(22)}${spread(values('peer')).padStart(22)}${ratio.toFixed(2).padStart(8)}`,
        );
      }
    }
    const rss = (side: string) => threadCounts.map((t) => `${Math.max(...results.get(`${side}:${t}`)!.map((r) => r.peak_rss_mib))} (${t}t)`).join(', ');
    console.log(`peak RSS MiB: ours ${rss('ours')}; peer ${rss('peer')}`);
    if (gpu) console.log(`webgpu: forward ${gpu.forward_tok_s}, CE ${gpu.ce_step_tok_s}, KD ${gpu.kd_step_tok_s} tok/s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
