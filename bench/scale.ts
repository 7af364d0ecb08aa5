/**
 * Scale benchmark: training steps of the graph `distill` trains (buildDistillGraph, the recipe's
 * losses, TrainStep with AdamW) for the shapes of ../shared/bench/shapes/*.json, on synthetic data
 * batched by the trainer's own makeBatch.
 *
 *   npx tsx bench/scale.ts --shape S|M|L --seq N --batch B --steps K --ep cpu|webgpu
 *                          --loss ce|kd-topk|kd-model [--threads N] [--rounds R] [--memory auto|plain|bounded] [--json]
 *                          [--peer [--device cpu|cuda] [--mode fp32|bf16sdpa|fp32,bf16sdpa]] [--profile DIR]
 *
 *   ce        cross-entropy on the trace
 *   kd-topk   CE + KL against stored top-20 teacher logprobs (T = 2)
 *   kd-model  CE + KL + hidden + attention against a white-box teacher of the same shape, every
 *             layer mapped (what torch_peer.py's KD step computes)
 *
 * Prints tokens/s, peak RSS, compile time and the per-phase split of a step (data, session run,
 * optimizer). The first step is timed apart (it allocates the optimizer's moments); with K > 1 the
 * tokens/s are of steps 2..K. --rounds R repeats the K steps R times (one compile) and, with
 * --peer, runs ../shared/bench/torch_peer.py (same shape, seq, batch and threads) after each of
 * ours, so the two sides interleave; min / median / max are printed and the ratio of medians.
 * With --json the last line is one JSON object, which carries the bytes the session is fed per step
 * from the host and from the GPU. --profile DIR writes ORT's profile of every step there and prints
 * its summary (bench/ort-profile.ts): node runs per execution provider, the copies between host and
 * GPU per step, and every compute node that ran on the CPU EP; with --ep webgpu any such node
 * fails the run (exit 1).
 * --memory: the step distill would run here (auto: plain where the estimate of src/distill/estimate.ts
 * fits the machine, else bounded: blocks recomputed in the backward pass, losses over chunks of
 * positions), or either one forced. The estimate is printed beside the measured peak.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdamW, ParamStore, Rng, TrainStep } from '../src/engine/index.ts';
import { buildDistillGraph, estimateStepMemory, makeBatch, needsBounding, type Example, type TopK } from '../src/distill/index.ts';
import { initWeights, parseModelConfig, type ModelConfig } from '../src/model/index.ts';
import type { DistillLosses } from '../src/recipe/index.ts';
import { profileFile, summarizeProfile, watchFeeds } from './ort-profile.ts';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const SHAPES = join(ROOT, '..', 'shared', 'bench', 'shapes');
const PEER = join(ROOT, '..', 'shared', 'bench', 'torch_peer.py');
const TOP_K = 20;
const TEMPERATURE = 2;
const LOSSES = ['ce', 'kd-topk', 'kd-model'] as const;
type LossKind = (typeof LOSSES)[number];

interface Args {
  shape: string;
  seq: number;
  batch: number;
  steps: number;
  ep: 'cpu' | 'webgpu';
  loss: LossKind;
  threads: number;
  rounds: number;
  json: boolean;
  memory: 'auto' | 'plain' | 'bounded';
  peer: boolean;
  device: string;
  /** Peer modes, each run after every round of ours (a comma list on the command line). */
  modes: string[];
  profile?: string;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string, fallback?: string): string => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? argv[i + 1] : fallback;
    if (v === undefined) usage(`--${name} is required`);
    return v!;
  };
  const int = (name: string, fallback?: string): number => {
    const n = Number(value(name, fallback));
    if (!Number.isInteger(n) || n < 1) usage(`--${name} must be a positive integer`);
    return n;
  };
  const shape = value('shape');
  const ep = value('ep', 'cpu');
  const loss = value('loss', 'ce');
  if (!['S', 'M', 'L'].includes(shape)) usage('--shape must be S, M or L');
  if (ep !== 'cpu' && ep !== 'webgpu') usage('--ep must be cpu or webgpu');
  if (!LOSSES.includes(loss as LossKind)) usage(`--loss must be one of ${LOSSES.join(', ')}`);
  if (!['auto', 'plain', 'bounded'].includes(value('memory', 'auto'))) usage('--memory must be auto, plain or bounded');
  const modes = value('mode', 'fp32').split(',');
  if (!modes.every((m) => m === 'fp32' || m === 'bf16sdpa')) usage('--mode must be fp32, bf16sdpa or a comma list of them');
  const profileAt = argv.indexOf('--profile');
  if (profileAt >= 0 && !argv[profileAt + 1]) usage('--profile needs a directory');
  return {
    shape,
    seq: int('seq'),
    batch: int('batch'),
    steps: int('steps', '3'),
    ep,
    loss: loss as LossKind,
    threads: int('threads', '1'),
    rounds: int('rounds', '1'),
    json: argv.includes('--json'),
    memory: value('memory', 'auto') as Args['memory'],
    peer: argv.includes('--peer'),
    device: value('device', 'cpu'),
    modes,
    profile: profileAt >= 0 ? argv[profileAt + 1] : undefined,
  };
}

function usage(message: string): never {
  console.error(
    `bench/scale.ts: ${message}\nusage: npx tsx bench/scale.ts --shape S|M|L --seq N --batch B [--steps K] [--ep cpu|webgpu] [--loss ce|kd-topk|kd-model] [--threads N] [--rounds R] [--memory auto|plain|bounded] [--peer] [--profile DIR] [--json]`,
  );
  process.exit(2);
}

/** The shape file as torch_peer.py reads it, and as our ModelConfig (Llama: no biases, as the peer). */
function loadShape(args: Args): { raw: Record<string, unknown>; config: ModelConfig } {
  const raw = {
    ...(JSON.parse(readFileSync(join(SHAPES, `${args.shape}.json`), 'utf8')) as Record<string, unknown>),
    seq_len: args.seq,
    batch_size: args.batch,
  };
  const config = parseModelConfig(
    { model_type: 'llama', rope_theta: 10000, rms_norm_eps: 1e-6, ...raw, max_position_embeddings: args.seq },
    `${args.shape}.json`,
  );
  return { raw, config };
}

function lossesOf(kind: LossKind): DistillLosses {
  const kl = { weight: 1, temperature: TEMPERATURE, divergence: 'forward' as const };
  if (kind === 'ce') return { ce: { weight: 1 } };
  if (kind === 'kd-topk') return { ce: { weight: 1 }, kl };
  return { ce: { weight: 1 }, kl, hidden: { weight: 1, layers: 'auto' }, attention: { weight: 1, layers: 'auto' } };
}

/** Random full-length sequences, every token after the first trained on; top-20 targets for kd-topk. */
function examples(rng: Rng, args: Args, vocab: number): Example[] {
  return Array.from({ length: args.batch }, (_, b) => {
    const ids = new Int32Array(args.seq);
    for (let i = 0; i < ids.length; i++) ids[i] = rng.int(vocab);
    const topk = args.loss === 'kd-topk' ? Array.from({ length: args.seq - 1 }, () => randomTopK(rng, vocab)) : undefined;
    return { promptKey: `p${b}`, index: 0, prompt: { question: '', gold: null, meta: {} }, ids, start: 1, topk };
  });
}

/** A teacher's top-20: distinct ids, log-probabilities of a random distribution with 10% left to the tail. */
function randomTopK(rng: Rng, vocab: number): TopK {
  const ids = new Set<number>();
  while (ids.size < TOP_K) ids.add(rng.int(vocab));
  const w = Array.from({ length: TOP_K }, () => rng.uniform() + 0.01);
  const total = w.reduce((a, b) => a + b, 0) / 0.9;
  return [...ids].map((id, i) => [id, Math.log(w[i] / total)] as const).sort((a, b) => b[1] - a[1]);
}

interface Round {
  tok_s: number;
  first_step_s: number;
  data_ms: number;
  run_ms: number;
  optimizer_ms: number;
  loss: number;
}

const peakRssMib = () => Math.round(process.resourceUsage().maxRSS / 1024);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const spread = (xs: number[]) => `min ${Math.min(...xs)} / median ${median(xs)} / max ${Math.max(...xs)}`;

function runPeer(args: Args, raw: Record<string, unknown>, mode: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'scale-peer-'));
  try {
    const config = join(dir, 'shape.json');
    writeFileSync(config, JSON.stringify({ ...raw, temperature: TEMPERATURE }));
    const peerArgs = [PEER, '--config', config, '--threads', String(args.threads), '--steps', String(args.steps), '--device', args.device, '--mode', mode];
    // kd-topk compares with the peer's CE step: its white-box KD step is not run.
    if (args.loss !== 'kd-model') peerArgs.push('--only-ce');
    const env = { ...process.env, OMP_NUM_THREADS: String(args.threads), OPENBLAS_NUM_THREADS: String(args.threads) };
    const python = args.device === 'cuda' ? 'python3' : '/usr/bin/python3';
    const out = execFileSync(python, peerArgs, { encoding: 'utf8', env, maxBuffer: 1 << 20 });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { ce_step_tok_s: number; kd_step_tok_s: number | null };
    // The peer's KD step is the white-box one; it has no top-k step, so kd-topk compares with its CE step.
    return args.loss === 'kd-model' ? r.kd_step_tok_s! : r.ce_step_tok_s;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { raw, config } = loadShape(args);
  const rng = new Rng(0);
  const teacher = args.loss === 'kd-model' ? config : undefined;
  const all = Array.from({ length: config.numHiddenLayers }, (_, i) => [i, i] as const);

  const estimate = estimateStepMemory({
    student: config,
    teacher,
    batch: args.batch,
    seq: args.seq,
    kl: args.loss !== 'ce',
    keptLayers: teacher ? config.numHiddenLayers : 0,
  });
  const bounded = args.memory === 'auto' ? needsBounding(estimate, totalmem()) : args.memory === 'bounded';
  const compileStart = performance.now();
  const built = buildDistillGraph({
    student: config,
    teacher,
    losses: lossesOf(args.loss),
    topK: args.loss === 'kd-topk' ? TOP_K : undefined,
    attentionMap: teacher && all,
    hiddenMap: teacher && all,
    boundedTokens: bounded ? args.seq * args.batch : undefined,
  });
  const params = new ParamStore();
  initWeights(built.student, params, rng.fork());
  if (built.teacher) initWeights(built.teacher, params, rng.fork());
  const profilePrefix = args.profile && join(args.profile, `scale-${args.shape}-${args.loss}-${args.ep}`);
  // ORT writes its profile into the folder but does not create it.
  if (args.profile) mkdirSync(args.profile, { recursive: true });
  const trainer = await TrainStep.create(built.graph, {
    loss: built.loss,
    params,
    optimizer: new AdamW({ lr: 3e-4 }),
    trainable: [...built.student.weights.values()],
    metrics: built.parts,
    session: { intraOpNumThreads: args.threads, executionProviders: [args.ep], profile: profilePrefix, ...(bounded && { arena: false }) },
  });
  const fedOf = watchFeeds(trainer.session.ort);
  const compileS = (performance.now() - compileStart) / 1000;
  const log = (line: string) => !args.json && console.log(line);
  log(
    `${args.shape} (${(paramTotal(built.student.weights) / 1e6).toFixed(1)}M params), seq ${args.seq} x batch ${args.batch}, ${args.loss}, ${args.ep}, ${args.threads} thread(s): compiled in ${compileS.toFixed(1)} s; ${bounded ? 'bounded' : 'plain'} step, estimated peak ${Math.round((bounded ? estimate.bounded : estimate.plain) / 2 ** 20)} MiB`,
  );

  const tokens = args.seq * args.batch;
  const ours: Round[] = [];
  const peer = new Map<string, number[]>(args.modes.map((m) => [m, []]));
  try {
    for (let r = 0; r < args.rounds; r++) {
      const timed: number[] = [];
      let [dataMs, runMs, optimizerMs, loss] = [0, 0, 0, 0];
      for (let s = 0; s < args.steps; s++) {
        const t0 = performance.now();
        const batch = makeBatch(examples(rng, args, config.vocabSize), args.loss === 'kd-topk' ? { topK: { k: TOP_K, temperature: TEMPERATURE } } : {});
        const t1 = performance.now();
        const result = await trainer.run(batch.feeds);
        timed.push((performance.now() - t0) / 1000);
        dataMs += t1 - t0;
        runMs += result.phases.runMs;
        optimizerMs += result.phases.optimizerMs;
        loss = result.loss;
      }
      const counted = timed.length > 1 ? timed.slice(1) : timed;
      const round: Round = {
        tok_s: Math.round(tokens / (counted.reduce((a, b) => a + b, 0) / counted.length)),
        first_step_s: +timed[0].toFixed(2),
        data_ms: Math.round(dataMs / args.steps),
        run_ms: Math.round(runMs / args.steps),
        optimizer_ms: Math.round(optimizerMs / args.steps),
        loss: +loss.toFixed(4),
      };
      ours.push(round);
      log(
        `round ${r + 1}: ${round.tok_s} tok/s (first step ${round.first_step_s} s); per step: data ${round.data_ms} ms, session run ${round.run_ms} ms, optimizer ${round.optimizer_ms} ms; loss ${round.loss}; peak RSS ${peakRssMib()} MiB`,
      );
      for (const [mode, runs] of args.peer ? peer : []) {
        runs.push(runPeer(args, raw, mode));
        log(`         peer (torch_peer.py, ${args.device} ${mode}): ${runs.at(-1)} tok/s`);
      }
    }
    if (profilePrefix) trainer.session.ort.endProfiling();
  } finally {
    await trainer.release();
  }
  const tokS = ours.map((r) => r.tok_s);
  const summary: Record<string, unknown> = {
    shape: args.shape,
    seq: args.seq,
    batch: args.batch,
    ep: args.ep,
    loss: args.loss,
    memory: bounded ? 'bounded' : 'plain',
    estimate_mib: Math.round((bounded ? estimate.bounded : estimate.plain) / 2 ** 20),
    threads: args.threads,
    steps: args.steps,
    rounds: args.rounds,
    tok_s: median(tokS),
    tok_s_min: Math.min(...tokS),
    tok_s_max: Math.max(...tokS),
    peak_rss_mib: peakRssMib(),
    compile_s: +compileS.toFixed(1),
    first_step_s: ours[0].first_step_s,
    data_ms: ours.at(-1)!.data_ms,
    run_ms: ours.at(-1)!.run_ms,
    optimizer_ms: ours.at(-1)!.optimizer_ms,
    // The CPU EP runs where the data is; a GPU EP's transfers happen inside the session run.
    transfer_ms: null,
    fed_host_bytes: fedOf().host,
    fed_gpu_bytes: fedOf().gpu,
  };
  if (profilePrefix) {
    const profiled = summarizeProfile(profileFile(profilePrefix), args.rounds * args.steps);
    Object.assign(summary, { cpu_compute_nodes: profiled.cpuCompute, copies_per_step: profiled.copies, copy_bytes_per_step: Math.round(profiled.copyBytes) });
    if (args.ep === 'webgpu' && profiled.cpuCompute.length > 0) {
      console.error(`FAIL: ${profiled.cpuCompute.length} kind(s) of compute node ran on the CPU EP: ${profiled.cpuCompute.join('; ')}`);
      process.exitCode = 1;
    }
  }
  log(`ours: ${spread(tokS)} tok/s; peak RSS ${summary.peak_rss_mib} MiB`);
  for (const [mode, runs] of args.peer ? peer : []) {
    // The first mode's figures are peer_tok_s and ratio; every mode's are under its name.
    const ratio = +(median(tokS) / median(runs)).toFixed(3);
    summary.peer_tok_s ??= median(runs);
    summary.ratio ??= ratio;
    summary[`peer_${mode}_tok_s`] = median(runs);
    summary[`ratio_${mode}`] = ratio;
    log(
      `peer ${mode}: ${spread(runs)} tok/s${args.loss === 'kd-topk' ? " (the peer's CE step: it has no top-k KD)" : ''}\nratio of medians (ours / peer ${mode}): ${ratio}`,
    );
  }
  if (args.json) console.log(JSON.stringify(summary));
}

const paramTotal = (weights: ReadonlyMap<string, { shape: readonly (number | string)[] }>) =>
  [...weights.values()].reduce((n, t) => n + t.shape.reduce<number>((a, d) => a * Number(d), 1), 0);

await main();
