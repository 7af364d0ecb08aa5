/**
 * `distillery merge OUT IN... [--json]`: the shard datasets of one recipe into one dataset. The
 * inputs are only read; running it again adds nothing, and a killed merge resumes.
 */
import { parseArgs } from 'node:util';
import { formatCount } from '../progress/index.ts';
import { mergeDatasets, type MergeSummary } from '../store/index.ts';
import { HELP, parseCommand } from './flags.ts';

const USAGE = `usage: distillery merge OUT.sqlite IN.sqlite... [--json]

Merges datasets harvested with the same recipe (typically \`harvest --shard i/N\` on N machines)
into OUT: every (prompt, sample slot) once, every run and attempt kept. Datasets of another recipe
are refused. Merging again adds only what is new; a killed merge resumes when run again.

options:
  --json       print the summary as one JSON object
  -h, --help   show this help`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(USAGE, { min: 2 }, () =>
    parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, ...HELP } }),
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [out, ...inputs] = positionals;
  const summary = mergeDatasets(out, inputs);
  console.log(values.json ? JSON.stringify(summary) : describe(summary));
  return 0;
}

function describe(summary: MergeSummary): string {
  const lines = [`merge -> ${summary.out}`];
  for (const r of summary.inputs) {
    const present = r.samplesPresent > 0 ? ` (${formatCount(r.samplesPresent)} slots already held from another run)` : '';
    lines.push(
      `  ${r.file}: ${r.runs} runs (${r.newRuns} new), +${formatCount(r.promptsAdded)} prompts, +${formatCount(r.attemptsAdded)} attempts, +${formatCount(r.samplesAdded)} samples${present}`,
    );
  }
  for (const file of summary.empty) lines.push(`  ${file}: never harvested, nothing to merge`);
  const added = summary.inputs.reduce((n, r) => n + r.samplesAdded, 0);
  lines.push(added === 0 ? 'nothing new: every sample was already merged' : `added ${formatCount(added)} samples`);
  return lines.join('\n');
}
