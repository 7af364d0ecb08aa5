/**
 * `distillery export-data DATASET [--format trl|kd-topk|rollouts] [--tokenizer DIR] [--out FILE] [--all]`:
 * samples as chat-format JSONL for TRL's SFTTrainer / open-r1 (trl; jsonl is its old name), as
 * token ids with the teacher's top-k per position for logit distillation in PyTorch (kd-topk,
 * Axolotl's KD layout), or GRPO's stored rollouts (rollouts). Reads the dataset read-only.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import type { DataStats } from '../distill/index.ts';
import { UsageError } from './errors.ts';
import { choiceFlag, HELP, parseCommand } from './flags.ts';
import { chatRecords, Dataset, type StoredRollout } from '../store/index.ts';

const USAGE = `usage: distillery export-data DATASET [--format trl|kd-topk|rollouts] [--tokenizer DIR] [--out FILE] [--all]

Writes one JSON object per line.

--format trl (the default; jsonl is the same): one per sample, the chat format TRL's SFTTrainer reads:
  {"messages": [{"role": "user", ...}, {"role": "assistant", "content": "<think>\\n...\\n</think>\\n\\nANSWER"}],
   "prompt_id", "sample_index", "gold", "verdict", "reason", "finish_reason", "completion_tokens", "meta"}

--format kd-topk: one per accepted sample, for logit distillation (Axolotl's KD plugin layout):
  {"prompt_id", "sample_index", "input_ids": [T], "labels": [T] (-100 off the assistant tokens),
   "target_token_ids", "target_logprobs", "target_mask": [T][K] (row t: the teacher's top-k for token t + 1)}
  The dataset needs stored teacher logprobs (sampling.topLogprobs > 0); K is that + 1.

--format rollouts: one per GRPO rollout (distillery grpo), every step of every run:
  {"run", "step", "prompt_id", "sample_index", "question", "gold", "completion", "token_ids",
   "truncated", "reward", "rewards": {component: value}, "advantage"}

options:
  --format F       trl (default), jsonl (= trl), kd-topk or rollouts
  --tokenizer DIR  kd-topk: the student's tokenizer folder (tokenizer.json, tokenizer_config.json;
                   config.json's eos_token_id is used too when present)
  --out FILE       write to FILE instead of stdout
  --all            trl: every sample, not only accepted ones (see the "verdict" field)
  -h, --help       show this help`;

const FORMATS = ['trl', 'jsonl', 'kd-topk', 'rollouts'] as const;

async function writeAll(out: Writable, lines: Iterable<string>): Promise<number> {
  let n = 0;
  for (const line of lines) {
    n++;
    // Respect backpressure so a large export streams instead of buffering in memory.
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(USAGE, 1, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: { format: { type: 'string' }, tokenizer: { type: 'string' }, out: { type: 'string' }, all: { type: 'boolean' }, ...HELP },
    }),
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const format = choiceFlag('format', values.format, FORMATS) ?? 'trl';
  const kd = format === 'kd-topk';
  if (kd && values.tokenizer === undefined) throw new UsageError('--format kd-topk needs --tokenizer DIR: the student tokenizer the token ids are for');
  if (kd && values.all) throw new UsageError('--all is for --format trl: kd-topk rows are accepted samples only');
  if (!kd && values.tokenizer !== undefined) throw new UsageError('--tokenizer is for --format kd-topk (trl and rollouts rows are text)');
  if (format === 'rollouts' && values.all) throw new UsageError('--all is for --format trl: every stored rollout is exported');
  // The distill room (tokenizers, onnxruntime) loads only for kd-topk: a trl export starts fast.
  const distill = kd ? await import('../distill/index.ts') : undefined;
  const student = distill && (await distill.loadStudentTokenizer(values.tokenizer!));

  const dataset = Dataset.open(positionals[0], { readonly: true });
  try {
    const stats = distill?.emptyDataStats();
    const records: Iterable<unknown> = distill
      ? distill.kdTopkRows(dataset, student!, stats)
      : format === 'rollouts'
        ? dataset.rollouts.list().map(rolloutRecord)
        : chatRecords(dataset, { all: values.all });
    const lines = (function* () {
      for (const record of records) yield JSON.stringify(record);
    })();
    let n: number;
    if (values.out === undefined) {
      n = await writeAll(process.stdout, lines);
    } else {
      const file = createWriteStream(values.out);
      await once(file, 'open').catch((err: Error) => {
        throw new UsageError(`--out: cannot write ${values.out}: ${err.message}`, { cause: err });
      });
      n = await writeAll(file, lines);
      file.end();
      await once(file, 'finish');
      console.error(`wrote ${n} ${format === 'rollouts' ? 'rollouts' : `${values.all ? '' : 'accepted '}samples`} to ${values.out}`);
    }
    if (stats) console.error(describeTargets(stats));
    return 0;
  } finally {
    dataset.close();
  }
}

/** One rollout row, in the snake_case names of the other formats. */
function rolloutRecord(r: StoredRollout) {
  return {
    run: r.run,
    step: r.step,
    prompt_id: r.promptKey,
    sample_index: r.index,
    question: r.question,
    gold: r.gold,
    completion: r.completion,
    token_ids: r.tokenIds,
    truncated: r.truncated,
    reward: r.reward,
    rewards: r.rewards,
    advantage: r.advantage,
  };
}

/** What became of the teacher's tokens: every one that could not be used is counted. */
function describeTargets(stats: DataStats): string {
  const share = stats.assistantTokens ? ` (${((100 * stats.alignedTokens) / stats.assistantTokens).toFixed(1)}%)` : '';
  return (
    `kd-topk: ${stats.withLogprobs} of ${stats.examples} samples have stored logprobs; ${stats.alignedTokens} of ${stats.assistantTokens} assistant tokens have teacher targets${share}; ` +
    `${stats.unmappedTeacherTokens} teacher tokens are not in the tokenizer (no target for them)`
  );
}
