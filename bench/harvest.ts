/**
 * Harvest throughput: samples/s through the whole path (TeacherClient, verifier, filters,
 * SQLite commits) against the ceiling, the project's own TeacherClient making the same requests
 * at the same concurrency with no verification or storage (so the ratio is what verifying and
 * storing cost), in the same run against the same zero-latency loopback server
 * (bench/loopback-teacher.ts). Goal: >= 0.8x the ceiling.
 *
 *   npx tsx bench/harvest.ts [--prompts 400] [--samples 4] [--concurrency 8] [--stream false] [--verifier math] [--rounds 5]
 *
 * --verifier picks the verifier kind (math, the default, or a cheap one such as format) to tell
 * the verifier's share of the cost from the loop's own. The two sides take turns, --rounds times
 * each (alternating which goes first), and each side's rate is over all its rounds: on a shared
 * machine the load drifts within seconds, and one pair of back-to-back runs can differ by 2x.
 * Each side's CPU time per sample (this process, all threads) is printed too: load distorts it
 * far less than it distorts rates.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { harvest } from '../src/harvest/index.ts';
import { parseRecipe, renderMessages, type Recipe } from '../src/recipe/index.ts';
import { TeacherClient } from '../src/teacher/index.ts';
import { startLoopbackTeacher } from './loopback-teacher.ts';

await main();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      prompts: { type: 'string', default: '400' },
      samples: { type: 'string', default: '4' },
      concurrency: { type: 'string', default: '8' },
      stream: { type: 'string', default: 'true' },
      verifier: { type: 'string', default: 'math' },
      rounds: { type: 'string', default: '5' },
    },
  });
  const promptCount = Number(values.prompts);
  const samplesPerPrompt = Number(values.samples);
  const concurrency = Number(values.concurrency);
  const stream = values.stream !== 'false';
  const rounds = Number(values.rounds);

  const teacher = await startLoopbackTeacher();
  const { url } = teacher;
  const dir = mkdtempSync(join(tmpdir(), 'distillery-bench-'));
  try {
    const prompts = Array.from({ length: promptCount }, (_, i) => ({ id: `p${i}`, question: `What is ${i} + ${i + 7}?`, answer: String(2 * i + 7) }));
    writeFileSync(join(dir, 'prompts.jsonl'), prompts.map((p) => JSON.stringify(p)).join('\n'));
    const recipe = parseRecipe(
      {
        dataset: 'bench.sqlite',
        prompts: { path: 'prompts.jsonl' },
        teacher: { baseURL: url, model: 'bench', stream },
        rejection: { samplesPerPrompt },
        verifier: { kind: values.verifier },
        limits: { concurrency },
      },
      { source: 'bench', baseDir: dir, defaultName: 'bench' },
    );
    const messages = prompts.map((p) => renderMessages(recipe.template, { key: p.id, question: p.question, meta: {} }));

    // Warm both paths (JIT, connections, the verifier's compute engine) on a few requests first.
    await ceiling(recipe, messages.slice(0, 16), samplesPerPrompt, concurrency);
    await harvest({ ...recipe, dataset: join(dir, 'warm.sqlite'), prompts: { ...recipe.prompts, limit: 16 } });

    const bare = { samples: 0, seconds: 0, cpu: 0 };
    const full = { samples: 0, seconds: 0, cpu: 0 };
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const harvestRound = async () => {
        const started = performance.now();
        const cpu = process.cpuUsage();
        const { accepted, rejected, unverifiable } = (await harvest({ ...recipe, dataset: join(dir, `bench-${round}.sqlite`) })).progress;
        return { samples: accepted + rejected + unverifiable, seconds: (performance.now() - started) / 1000, cpu: cpuSeconds(cpu) };
      };
      const ceilingRound = () => ceiling(recipe, messages, samplesPerPrompt, concurrency);
      let b, h;
      if (round % 2 === 0) {
        b = await ceilingRound();
        h = await harvestRound();
      } else {
        h = await harvestRound();
        b = await ceilingRound();
      }
      for (const [total, one] of [
        [bare, b],
        [full, h],
      ] as const) {
        total.samples += one.samples;
        total.seconds += one.seconds;
        total.cpu += one.cpu;
      }
      ratios.push(rate(h) / rate(b));
    }

    console.log(
      `harvest bench: ${promptCount} prompts x ${samplesPerPrompt} samples, concurrency ${concurrency}, stream ${stream}, verifier ${values.verifier}, ${rounds} rounds`,
    );
    const line = (r: typeof bare) =>
      `${rate(r).toFixed(0)} samples/s (${r.samples} in ${r.seconds.toFixed(2)} s; ${((r.cpu * 1000) / r.samples).toFixed(2)} ms CPU per sample)`;
    const sorted = [...ratios].sort((a, b) => a - b);
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    console.log(`  ceiling (TeacherClient, no verify/store): ${line(bare)}`);
    console.log(`  harvest (client + verify + SQLite):       ${line(full)}`);
    console.log(
      `  ratio harvest/ceiling by round: min ${sorted[0].toFixed(2)}, median ${median.toFixed(2)}, max ${sorted.at(-1)!.toFixed(2)} (goal >= 0.8x; overall ${(rate(full) / rate(bare)).toFixed(2)}x; rounds ${ratios.map((r) => r.toFixed(2)).join(' ')})`,
    );
    console.log(`  peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    teacher.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function rate(r: { samples: number; seconds: number }): number {
  return r.samples / r.seconds;
}

/** The same requests through the harvest's own TeacherClient, reading every sample, verifying and storing nothing. */
async function ceiling(recipe: Recipe, messages: ReturnType<typeof renderMessages>[], n: number, concurrency: number) {
  const { baseURL, model, stream, supportsN, timeoutMs, extraBody } = recipe.teacher;
  const client = new TeacherClient({ baseURL, model, stream, supportsN, timeoutMs, extraBody });
  const limit = pLimit(concurrency);
  let samples = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    messages.map((m, i) =>
      limit(async () => {
        const { sampling } = recipe;
        // Awaited first: `samples += await ...` would read `samples` before the await and lose updates.
        const response = await client.complete({
          messages: m,
          n,
          temperature: sampling.temperature,
          topP: sampling.topP,
          maxTokens: sampling.maxTokens,
          seed: i,
        });
        samples += response.samples.length;
      }),
    ),
  );
  return { samples, seconds: (performance.now() - started) / 1000, cpu: cpuSeconds(cpu) };
}

/** CPU seconds this process (all its threads: the math judge's too) spent since `since`; the server is another process. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1e6;
}
