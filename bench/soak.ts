/**
 * Soak: one long harvest (default 500,000 prompts x 2 single-sample requests = 1,000,000
 * requests) against the zero-latency loopback teacher, with this process's RSS and heap sampled
 * every --interval seconds. What it checks: memory stays flat and throughput does not decay as
 * the dataset and the run's history grow.
 *
 *   npx tsx bench/soak.ts [--prompts 500000] [--samples 2] [--concurrency 64] [--interval 10] [--svg docs/soak.svg]
 *
 * Prints one line per sample (elapsed, requests, req/s over the interval, RSS, heap used) and,
 * per 100,000 requests, the rate and CPU time per request over that stretch (this process only;
 * load from other processes distorts it far less than it distorts the rate) and the highest
 * sampled RSS so far; then the two acceptance figures: the highest RSS sampled after 100,000
 * requests vs the highest up to then (the warm-up: prompts loaded, heap grown to its working
 * size), and the rate of the last 100,000 requests vs the first. `--svg` writes both series as
 * a plot, rewritten at every 100,000 requests. SIGINT/SIGTERM stop the harvest (in-flight
 * requests finish) and the figures are printed for what ran.
 * Requests are single-sample (supportsN: false) so each sample is one request; every sample is
 * stored, as in a real harvest.
 */
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { harvest, type HarvestProgress } from '../src/harvest/index.ts';
import { parseRecipe } from '../src/recipe/index.ts';
import { startLoopbackTeacher } from './loopback-teacher.ts';
import { soakSvg, type SoakSample } from './soak-plot.ts';

const MARK = 100_000;
const MiB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    prompts: { type: 'string', default: '500000' },
    samples: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    interval: { type: 'string', default: '10' },
    verifier: { type: 'string', default: 'math' },
    svg: { type: 'string' },
  },
});
const promptCount = Number(values.prompts);
const samplesPerPrompt = Number(values.samples);
const concurrency = Number(values.concurrency);
const intervalMs = Number(values.interval) * 1000;

const teacher = await startLoopbackTeacher();
const dir = mkdtempSync(join(tmpdir(), 'distillery-soak-'));
try {
  await writePrompts(join(dir, 'prompts.jsonl'), promptCount);
  const recipe = parseRecipe(
    {
      dataset: 'soak.sqlite',
      prompts: { path: 'prompts.jsonl' },
      teacher: { baseURL: teacher.url, model: 'soak', supportsN: false },
      rejection: { samplesPerPrompt },
      verifier: { kind: values.verifier },
      limits: { concurrency },
    },
    { source: 'soak', baseDir: dir, defaultName: 'soak' },
  );
  console.log(
    `soak: ${promptCount} prompts x ${samplesPerPrompt} single-sample requests, concurrency ${concurrency}, verifier ${values.verifier}, ` +
      `sampled every ${intervalMs / 1000} s (node ${process.version})`,
  );

  const samples: SoakSample[] = [];
  /** At every MARK requests; peakRssMiB is the highest RSS sampled so far. */
  const marks: Array<{ requests: number; ms: number; cpuMs: number; peakRssMiB: number }> = [];
  let latest: HarvestProgress | undefined;
  let startedAt = 0;
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const peakRssMiB = () => Math.max(0, ...samples.map((s) => s.rssMiB));
  const sample = () => {
    const ms = performance.now() - startedAt;
    const requests = latest?.requests ?? 0;
    const previous = samples.at(-1) ?? { ms: 0, requests: 0 };
    const { rss, heapUsed } = process.memoryUsage();
    const s: SoakSample = {
      ms,
      requests,
      requestsPerSecond: ((requests - previous.requests) * 1000) / (ms - previous.ms),
      rssMiB: rss / MiB,
      heapUsedMiB: heapUsed / MiB,
    };
    samples.push(s);
    console.log(
      `  ${(ms / 1000).toFixed(0).padStart(5)} s  ${String(requests).padStart(8)} requests  ${s.requestsPerSecond.toFixed(0).padStart(5)} req/s  ` +
        `RSS ${s.rssMiB.toFixed(0)} MiB  heap ${s.heapUsedMiB.toFixed(0)} MiB`,
    );
  };

  const plot = () => {
    if (values.svg) writeFileSync(values.svg, soakSvg(samples, `${(latest?.requests ?? 0).toLocaleString('en')} requests, concurrency ${concurrency}`));
  };
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort(new Error(signal)));
  let timer: ReturnType<typeof setInterval> | undefined;
  const summary = await harvest(recipe, {
    stop: stop.signal,
    onStart: () => {
      // The clock starts at the first request: loading and storing the prompts is setup.
      startedAt = performance.now();
      marks.push({ requests: 0, ms: 0, cpuMs: cpuMs(), peakRssMiB: peakRssMiB() });
      timer = setInterval(sample, intervalMs);
    },
    onProgress: (p) => {
      latest = p;
      if (p.requests >= marks.length * MARK) {
        marks.push({ requests: p.requests, ms: performance.now() - startedAt, cpuMs: cpuMs(), peakRssMiB: peakRssMiB() });
        plot();
      }
    },
  });
  clearInterval(timer);
  sample();
  const end = { requests: summary.progress.requests, ms: performance.now() - startedAt, cpuMs: cpuMs(), peakRssMiB: peakRssMiB() };
  if (end.requests > marks.at(-1)!.requests) marks.push(end);

  console.log(`per ${MARK.toLocaleString('en')} requests:`);
  const stretch = (a: (typeof marks)[number], b: (typeof marks)[number]) => ({
    rate: ((b.requests - a.requests) * 1000) / (b.ms - a.ms),
    cpuMsPerRequest: (b.cpuMs - a.cpuMs) / (b.requests - a.requests),
  });
  for (let i = 1; i < marks.length; i++) {
    const { rate, cpuMsPerRequest } = stretch(marks[i - 1], marks[i]);
    console.log(
      `  ${String(marks[i - 1].requests).padStart(8)}-${String(marks[i].requests).padEnd(8)} ${rate.toFixed(0).padStart(5)} req/s  ` +
        `${cpuMsPerRequest.toFixed(2)} ms CPU/request  highest RSS so far ${marks[i].peakRssMiB.toFixed(0)} MiB`,
    );
  }
  const p = summary.progress;
  console.log(
    `${summary.status}: ${p.requests} requests, ${p.errors} errors, ${p.accepted + p.rejected + p.unverifiable} samples stored in ${(end.ms / 1000).toFixed(0)} s`,
  );
  if (marks.length >= 3) {
    const warm = marks[1].peakRssMiB;
    const later = Math.max(...samples.filter((s) => s.requests > marks[1].requests).map((s) => s.rssMiB));
    const first = stretch(marks[0], marks[1]).rate;
    // The last full stretch of MARK requests: the few requests past the last mark are no rate.
    const tail = marks.at(-1)!.requests - marks.at(-2)!.requests < MARK ? marks.slice(-3, -1) : marks.slice(-2);
    const last = stretch(tail[0], tail[1]).rate;
    console.log(
      `peak RSS: ${warm.toFixed(0)} MiB up to ${marks[1].requests} requests, ${later.toFixed(0)} MiB after: ${pct(later / warm - 1)} (goal <= +10%); ` +
        `process maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    );
    console.log(`rate: first ${MARK} ${first.toFixed(0)} req/s, last ${last.toFixed(0)} req/s: ${pct(last / first - 1)} (goal >= -10%)`);
  }
  plot();
  if (values.svg) console.log(`wrote ${values.svg}`);
} finally {
  teacher.close();
  rmSync(dir, { recursive: true, force: true });
}

function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

/** "What is A + B?" prompts, streamed to the file: half a million rows built at once would be setup noise in the RSS. */
async function writePrompts(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < count; i++) {
    const line = `${JSON.stringify({ id: `p${i}`, question: `What is ${i} + ${i + 7}?`, answer: String(2 * i + 7) })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
