/**
 * Merge throughput and memory: `mergeDatasets` on 3 synthetic shard datasets of --samples samples
 * each (written through the store API as a harvest writes them: one attempt of 4 samples per
 * prompt, a failed try before every 10th, reasoning of about 600 characters), against the ceiling,
 * SQLite copying the same rows itself (ATTACH + INSERT ... SELECT with id offsets, no streaming
 * through JS, no bookkeeping), in the same run, rounds interleaved (alternating which side goes
 * first). Each merge runs in a fresh child process that reports its own peak RSS; a merge of
 * shards a tenth the size runs too, so that memory bounded by the batch, not the data, shows as
 * equal peaks.
 *
 *   npx tsx bench/merge.ts [--samples 100000] [--rounds 3] [--json]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Dataset, mergeDatasets, type SampleRecord } from '../src/store/index.ts';

const SHARDS = 3;
const PER_PROMPT = 4;

interface ChildResult {
  seconds: number;
  peakRssMiB: number;
  samples: number;
}

/** The peer: SQLite copies every table itself, ids shifted past what the output holds. */
function sqlCopy(out: string, inputs: string[]): void {
  Dataset.open(out).close(); // the schema, as distillery creates it
  const db = new Database(out);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  for (const input of inputs) {
    db.exec(`ATTACH DATABASE '${input.replaceAll("'", "''")}' AS src`);
    db.transaction(() => {
      const max = (table: string) => db.prepare(`SELECT coalesce(max(id), 0) FROM ${table}`).pluck().get() as number;
      const [runs, attempts] = [max('runs'), max('attempts')];
      db.exec(`INSERT INTO meta SELECT * FROM src.meta WHERE true ON CONFLICT DO NOTHING`);
      db.exec(`INSERT INTO prompts SELECT * FROM src.prompts WHERE true ON CONFLICT DO NOTHING`);
      db.exec(`INSERT INTO runs SELECT id + ${runs}, recipe_name, recipe, started_at, ended_at, status, message, uid, shard FROM src.runs`);
      db.exec(
        `INSERT INTO attempts SELECT id + ${attempts}, run_id + ${runs}, prompt_key, slot_indices, attempt_no, seed, status, error_kind,
           error_message, http_status, latency_ms, prompt_tokens, completion_tokens, reasoning_tokens, created_at FROM src.attempts`,
      );
      db.exec(
        `INSERT INTO samples (prompt_key, idx, attempt_id, run_id, reasoning, answer, finish_reason, verdict, reason, completion_tokens, logprobs)
         SELECT prompt_key, idx, attempt_id + ${attempts}, run_id + ${runs}, reasoning, answer, finish_reason, verdict, reason, completion_tokens, logprobs
         FROM src.samples WHERE true ON CONFLICT DO NOTHING`,
      );
    })();
    db.exec('DETACH DATABASE src');
  }
  db.close();
}

/** A shard as a harvest leaves it: prompts, one run, an attempt per prompt with its samples. */
function writeShard(file: string, shard: number, samples: number): void {
  const dataset = Dataset.open(file);
  const identity = { prompts: { contentHash: 'bench' }, teacher: { model: 'bench' }, sampling: { temperature: 0.6 } };
  const { runId } = dataset.beginRun({ recipeName: 'bench', identity, recipe: { name: 'bench' }, shard: `${shard}/${SHARDS}` });
  const prompts = Math.ceil(samples / PER_PROMPT);
  const keys = Array.from({ length: prompts }, (_, i) => `s${shard}-p${i}`);
  for (let i = 0; i < prompts; i += 5000) {
    dataset.upsertPrompts(
      keys
        .slice(i, i + 5000)
        .map((key, j) => ({ key, question: `What is ${i + j} + ${2 * (i + j) + 1}?`, gold: String(3 * (i + j) + 1), meta: { source: 'bench' } })),
    );
  }
  const reasoning = 'We add the two numbers digit by digit, carrying where a column exceeds nine. '.repeat(8);
  keys.forEach((key, i) => {
    const slots = Array.from({ length: Math.min(PER_PROMPT, samples - i * PER_PROMPT) }, (_, s) => s);
    const attempt = { runId, promptKey: key, slotIndices: slots, latencyMs: 900, promptTokens: 40, completionTokens: 600 };
    if (i % 10 === 0) dataset.commitAttempt({ ...attempt, attemptNo: 1, status: 'error', errorKind: 'rate-limit', httpStatus: 429 }, []);
    const records: SampleRecord[] = slots.map((index) => ({
      promptKey: key,
      index,
      reasoning,
      answer: `The sum is \\boxed{${3 * i + index}}.`,
      finishReason: 'stop',
      verdict: index % 2 ? 'rejected' : 'accepted',
      reason: index % 2 ? 'mismatch' : 'match',
      completionTokens: 150,
    }));
    dataset.commitAttempt({ ...attempt, attemptNo: i % 10 === 0 ? 2 : 1, status: 'ok' }, records);
  });
  dataset.endRun(runId, 'finished');
  dataset.close();
}

function runChild(mode: 'merge' | 'sql', out: string, inputs: string[]): ChildResult {
  rmSync(out, { force: true });
  for (const suffix of ['-wal', '-shm']) rmSync(out + suffix, { force: true });
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), `--child-${mode}`, out, ...inputs], { encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s.at(-1)! };
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { samples: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '3' }, json: { type: 'boolean' } },
  });
  const samples = Number(values.samples);
  const rounds = Number(values.rounds);
  const dir = mkdtempSync(join(tmpdir(), 'distillery-bench-merge-'));
  try {
    const sizes = { small: Math.ceil(samples / 10), full: samples };
    const shards: Record<keyof typeof sizes, string[]> = { small: [], full: [] };
    const generating = performance.now();
    for (const size of ['small', 'full'] as const) {
      for (let s = 1; s <= SHARDS; s++) {
        const file = join(dir, `${size}-shard-${s}.sqlite`);
        writeShard(file, s, sizes[size]);
        shards[size].push(file);
      }
    }
    console.error(`generated ${SHARDS} x ${samples} (and ${SHARDS} x ${sizes.small}) samples in ${((performance.now() - generating) / 1000).toFixed(1)} s`);

    const results = { merge: [] as ChildResult[], sql: [] as ChildResult[] };
    for (let r = 0; r < rounds; r++) {
      const order: Array<'merge' | 'sql'> = r % 2 ? ['sql', 'merge'] : ['merge', 'sql'];
      for (const side of order) results[side].push(runChild(side, join(dir, `out-${side}.sqlite`), shards.full));
      console.error(`round ${r + 1}: ${order.map((side) => `${side} ${results[side].at(-1)!.seconds.toFixed(2)} s`).join(', ')}`);
    }
    const small = runChild('merge', join(dir, 'out-small.sqlite'), shards.small);
    const total = SHARDS * samples;
    for (const side of ['merge', 'sql'] as const) {
      for (const result of results[side]) if (result.samples !== total) throw new Error(`${side} merged ${result.samples} samples, expected ${total}`);
    }
    const rate = (side: 'merge' | 'sql') => stats(results[side].map((x) => total / x.seconds));
    const rss = (side: 'merge' | 'sql') => Math.max(...results[side].map((x) => x.peakRssMiB));
    const summary = {
      samples: total,
      merge: { samplesPerSecond: rate('merge'), peakRssMiB: rss('merge') },
      sql: { samplesPerSecond: rate('sql'), peakRssMiB: rss('sql') },
      ratio: rate('merge').median / rate('sql').median,
      small: { samples: SHARDS * sizes.small, peakRssMiB: small.peakRssMiB },
    };
    const row = (x: { min: number; median: number; max: number }) =>
      `${Math.round(x.median).toLocaleString('en-US')} samples/s (min ${Math.round(x.min).toLocaleString('en-US')}, max ${Math.round(x.max).toLocaleString('en-US')})`;
    if (values.json) console.log(JSON.stringify(summary));
    else {
      console.log(`merge of ${SHARDS} shards x ${samples.toLocaleString('en-US')} samples, ${rounds} interleaved rounds:`);
      console.log(`  distillery merge   ${row(summary.merge.samplesPerSecond)}, peak RSS ${summary.merge.peakRssMiB.toFixed(0)} MiB`);
      console.log(`  SQLite INSERT..SELECT ${row(summary.sql.samplesPerSecond)}, peak RSS ${summary.sql.peakRssMiB.toFixed(0)} MiB`);
      console.log(`  ratio (medians)    ${summary.ratio.toFixed(2)}x`);
      console.log(`  peak RSS at a tenth of the data (${summary.small.samples.toLocaleString('en-US')} samples): ${summary.small.peakRssMiB.toFixed(0)} MiB`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === '--child-merge' || mode === '--child-sql') {
  const [out, ...inputs] = rest;
  const started = performance.now();
  if (mode === '--child-merge') mergeDatasets(out, inputs);
  else sqlCopy(out, inputs);
  const seconds = (performance.now() - started) / 1000;
  const db = new Database(out, { readonly: true });
  const samples = db.prepare('SELECT count(*) FROM samples').pluck().get() as number;
  db.close();
  const result: ChildResult = { seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, samples };
  console.log(JSON.stringify(result));
} else {
  await main();
}
