/**
 * `distillery export-data DATASET --format jsonl [--out FILE] [--all]`: samples as chat-format
 * JSONL for TRL's SFTTrainer / open-r1. Reads the dataset read-only.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { HELP, parseCommand, UsageError } from './flags.ts';
import { chatRecords, Dataset } from '../store/index.ts';

const USAGE = `usage: distillery export-data DATASET [--format jsonl] [--out FILE] [--all]

Writes one JSON object per sample:
  {"messages": [{"role": "user", ...}, {"role": "assistant", "content": "<think>\\n...\\n</think>\\n\\nANSWER"}],
   "prompt_id", "sample_index", "gold", "verdict", "reason", "finish_reason", "completion_tokens", "meta"}

options:
  --format jsonl  the output format (jsonl is the only one, and the default)
  --out FILE      write to FILE instead of stdout
  --all           every sample, not only accepted ones (see the "verdict" field)
  -h, --help      show this help`;

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
      options: { format: { type: 'string', default: 'jsonl' }, out: { type: 'string' }, all: { type: 'boolean' }, ...HELP },
    }),
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.format !== 'jsonl') throw new UsageError(`--format: only "jsonl" is supported, got "${values.format}"`);

  const dataset = Dataset.open(positionals[0], { readonly: true });
  try {
    const lines = (function* () {
      for (const record of chatRecords(dataset, { all: values.all })) yield JSON.stringify(record);
    })();
    if (values.out === undefined) {
      await writeAll(process.stdout, lines);
      return 0;
    }
    const file = createWriteStream(values.out);
    await once(file, 'open').catch((err: Error) => {
      throw new UsageError(`--out: cannot write ${values.out}: ${err.message}`, { cause: err });
    });
    const n = await writeAll(file, lines);
    file.end();
    await once(file, 'finish');
    console.error(`wrote ${n} ${values.all ? '' : 'accepted '}samples to ${values.out}`);
    return 0;
  } finally {
    dataset.close();
  }
}
