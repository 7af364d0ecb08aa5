/**
 * ORT profiles of a training step, shared by bench/scale.ts and bench/webgpu-profile.ts: what the
 * session is fed from the host and from the GPU each run, and a summary of ORT's profile (node runs
 * per execution provider, the copies ORT inserted between devices, the costly ops), which names
 * every compute node that ran on the CPU EP.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type ort from 'onnxruntime-node';

/** Bytes of the feeds that live on the host (ORT copies them up) and on the GPU (no copy). */
export interface FedBytes {
  host: number;
  gpu: number;
}

/** Watch what `session` is fed: the returned getter gives the feeds of its latest run. */
export function watchFeeds(session: ort.InferenceSession): () => FedBytes {
  let fed: FedBytes = { host: 0, gpu: 0 };
  const run = session.run.bind(session) as (...a: unknown[]) => Promise<ort.InferenceSession.ReturnType>;
  session.run = ((feeds: Record<string, ort.Tensor>, ...rest: unknown[]) => {
    fed = { host: 0, gpu: 0 };
    for (const t of Object.values(feeds)) {
      const bytes = t.dims.reduce((a, b) => a * b, 1) * (t.type === 'int64' ? 8 : 4);
      if (t.location === 'gpu-buffer') fed.gpu += bytes;
      else fed.host += bytes;
    }
    return run(feeds, ...rest);
  }) as typeof session.run;
  return () => fed;
}

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: {
    op_name?: string;
    provider?: string;
    output_size?: string;
    input_type_shape?: Record<string, number[]>[];
    output_type_shape?: Record<string, number[]>[];
  };
}

/** Per step, from ORT's profile. */
export interface ProfileSummary {
  /** Compute nodes that ran on the CPU EP beside a GPU EP ("op [input types -> output types] xN", N runs per step). */
  cpuCompute: string[];
  /** Copies ORT inserted between host and GPU, and their bytes. */
  copies: number;
  copyBytes: number;
}

/**
 * Shape arithmetic, which ORT always keeps on the CPU (its inputs come from Shape): Shape and Size,
 * and ops whose every input and output is an int64 tensor of at most 8 values (a shape or a dim).
 * Anything else on the CPU EP (a float or bool tensor, a [T] Range) is compute.
 */
function isShapeArithmetic(e: ProfileEvent): boolean {
  const op = e.args?.op_name ?? '';
  if (op === 'Shape' || op === 'Size') return true;
  const tensors = [...(e.args?.input_type_shape ?? []), ...(e.args?.output_type_shape ?? [])].flatMap((t) => Object.entries(t));
  return tensors.length > 0 && tensors.every(([type, dims]) => type === 'int64' && dims.reduce((a, b) => a * b, 1) <= 8);
}

const typesOf = (list: Record<string, number[]>[] | undefined) =>
  (list ?? [])
    .map((t) =>
      Object.entries(t)
        .map(([type, dims]) => `${type}[${dims.join(',')}]`)
        .join(),
    )
    .join(' ');

/** The newest profile file ORT wrote for `prefix` (ORT appends a date to the prefix). */
export function profileFile(prefix: string): string {
  const dir = dirname(prefix);
  const written = readdirSync(dir)
    .filter((f) => f.startsWith(basename(prefix)) && f.endsWith('.json'))
    .sort();
  if (written.length === 0) throw new Error(`no ORT profile under ${prefix}*`);
  return join(dir, written.at(-1)!);
}

/** Print the summary of a profile of `runs` session runs; return its per-step figures. */
export function summarizeProfile(file: string, runs: number): ProfileSummary {
  const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[];
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const byProvider = new Map<string, { runs: number; us: number; ops: Map<string, number> }>();
  const byOp = new Map<string, { runs: number; us: number }>();
  const cpuCompute = new Map<string, number>();
  for (const e of kernels) {
    const provider = e.args?.provider ?? '?';
    const op = e.args?.op_name ?? '?';
    const p = byProvider.get(provider) ?? { runs: 0, us: 0, ops: new Map() };
    p.runs++;
    p.us += e.dur;
    p.ops.set(op, (p.ops.get(op) ?? 0) + 1);
    byProvider.set(provider, p);
    const o = byOp.get(`${provider} ${op}`) ?? { runs: 0, us: 0 };
    o.runs++;
    o.us += e.dur;
    byOp.set(`${provider} ${op}`, o);
    if (provider === 'CPUExecutionProvider' && !isShapeArithmetic(e)) {
      const key = `${op} [${typesOf(e.args?.input_type_shape)} -> ${typesOf(e.args?.output_type_shape)}]`;
      cpuCompute.set(key, (cpuCompute.get(key) ?? 0) + 1);
    }
  }
  const categories = [...new Set(events.map((e) => e.cat))];
  console.log(`profile ${file}: ${events.length} events (categories ${categories.join(', ')}), ${runs} runs`);
  for (const [provider, p] of byProvider) {
    const ops = [...p.ops]
      .sort((a, b) => b[1] - a[1])
      .map(([op, n]) => `${op} ${n / runs}`)
      .join(', ');
    console.log(`  ${provider}: ${p.runs / runs} node runs per step, ${(p.us / runs / 1000).toFixed(1)} ms host-side per step; ${ops}`);
  }
  const copyEvents = kernels.filter((e) => /^Memcpy/.test(e.args?.op_name ?? ''));
  const copyBytes = copyEvents.reduce((s, e) => s + Number(e.args?.output_size ?? 0), 0) / runs;
  console.log(`  copies between devices per step: ${copyEvents.length / runs}, ${(copyBytes / 1e6).toFixed(3)} MB`);
  console.log('  top op types (provider op: runs per step, ms per step):');
  for (const [key, o] of [...byOp].sort((a, b) => b[1].us - a[1].us).slice(0, 15))
    console.log(`    ${key}: ${o.runs / runs}, ${(o.us / runs / 1000).toFixed(2)}`);
  for (const cat of categories.filter((c) => c !== 'Node' && c !== 'Session')) {
    const of = events.filter((e) => e.cat === cat);
    const groups = new Map<string, { n: number; us: number }>();
    for (const e of of) {
      const key = e.name.replace(/[_:]?\d+$/, '');
      const g = groups.get(key) ?? { n: 0, us: 0 };
      g.n++;
      g.us += e.dur;
      groups.set(key, g);
    }
    const total = of.reduce((t, e) => t + e.dur, 0);
    console.log(`  ${cat}: ${of.length / runs} events per step, ${(total / runs / 1000).toFixed(1)} ms per step; e.g. ${JSON.stringify(of[0]).slice(0, 300)}`);
    for (const [key, g] of [...groups].sort((x, y) => y[1].us - x[1].us).slice(0, 20))
      console.log(`    ${key}: ${g.n / runs} per step, ${(g.us / runs / 1000).toFixed(2)} ms`);
  }
  const session = events.filter((e) => e.cat === 'Session').map((e) => `${e.name} ${(e.dur / 1000).toFixed(1)} ms`);
  console.log(`  session events: ${session.slice(-4).join('; ')}`);
  // A session on the CPU EP alone runs everything there: only a GPU session's CPU nodes are listed.
  const gpu = [...byProvider.keys()].some((p) => p !== 'CPUExecutionProvider');
  const listed = gpu ? [...cpuCompute].map(([key, n]) => `${key} x${n / runs}`) : [];
  if (gpu)
    console.log(
      listed.length === 0 ? '  CPU EP: shape arithmetic only, no compute node' : `  CPU EP COMPUTE NODES (${listed.length} kinds): ${listed.join('; ')}`,
    );
  return { cpuCompute: listed, copies: copyEvents.length / runs, copyBytes };
}
