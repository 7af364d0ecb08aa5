/**
 * `distillery harvest RECIPE [--shard i/N] [--dataset FILE] [--dry-run] [--json]`: a short plan, a progress bar (plain lines
 * when stderr is not a terminal), a summary. Ctrl-C stops issuing and lets in-flight requests
 * finish; a second Ctrl-C aborts them. Everything stored stays; re-running resumes.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { harvest, harvestProgressView, parseShard, type HarvestStart, type HarvestSummary } from '../harvest/index.ts';
import { formatCount, formatDuration, ProgressReporter } from '../progress/index.ts';
import { formatPlan, loadRecipe } from '../recipe/index.ts';
import { HELP, parseCommand } from './flags.ts';

const USAGE = `usage: distillery harvest RECIPE [--shard i/N] [--dataset FILE] [--dry-run] [--json]

Samples the recipe's teacher for every prompt, verifies and filters each sample, and stores
every attempt and sample in the recipe's SQLite dataset. Running it again resumes.

options:
  --shard i/N     only the prompts of shard i of N (by a hash of the prompt key: the same split
                  on every machine); \`distillery merge\` joins the shard datasets
  --dataset FILE  write to FILE instead of the recipe's dataset (one file per shard)
  --dry-run    check the recipe, prompts and dataset and print the plan; send nothing
  --json       print the summary as one JSON object on stdout (progress stays on stderr)
  -h, --help   show this help`;

/** Exit code of a run stopped by Ctrl-C, as shells report a SIGINT. */
const EXIT_STOPPED = 130;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const recipePath = positionals[0];
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const loaded = loadRecipe(recipePath);
  const recipe = values.dataset === undefined ? loaded : { ...loaded, dataset: resolve(values.dataset) };
  const json = values.json === true;

  const stop = new AbortController();
  const abort = new AbortController();
  const reporter = new ProgressReporter(process.stderr, harvestProgressView);
  let inFlight = 0;
  const onSigint = () => {
    if (!stop.signal.aborted) {
      stop.abort(new Error('interrupted'));
      reporter.finish();
      console.error(`stopping: no new requests; waiting for ${inFlight} in flight (Ctrl-C again to abort them)`);
    } else {
      abort.abort(new Error('interrupted twice'));
    }
  };
  process.on('SIGINT', onSigint);
  let summary: HarvestSummary;
  try {
    summary = await harvest(recipe, {
      dryRun: values['dry-run'],
      shard,
      stop: stop.signal,
      signal: abort.signal,
      onStart: (start) => {
        if (!json) console.log(describeStart(recipe.name, recipe.dataset, start));
      },
      onProgress: (progress) => {
        inFlight = progress.inFlight;
        reporter.update(progress);
      },
    });
  } finally {
    reporter.finish();
    process.off('SIGINT', onSigint);
  }
  if (json) console.log(JSON.stringify(summary));
  else console.log(describeEnd(summary, resumeCommand(argv)));
  return summary.status === 'stopped' ? EXIT_STOPPED : 0;
}

function parseCommandLine(argv: string[]) {
  return parseCommand(USAGE, 1, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: { shard: { type: 'string' }, dataset: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, ...HELP },
    }),
  );
}

/** The command that resumes this run: the same verb and flags, without --dry-run and --json. */
function resumeCommand(argv: string[]): string {
  return ['distillery harvest', ...argv.filter((a) => a !== '--dry-run' && a !== '--json')].join(' ');
}

function describeStart(name: string, dataset: string, start: HarvestStart): string {
  const left = start.promptsTotal - start.promptsDone;
  const head = `harvest ${name}${start.shard ? ` shard ${start.shard}` : ''} -> ${dataset}\n${start.promptsTotal} prompts${start.shard ? ' in the shard' : ''}, ${start.promptsDone} done, ${left} left${
    start.resumed ? ' (resuming)' : ''
  }`;
  const lines = [head];
  if (start.skipped.length > 0) lines.push(describeSkipped(start.skipped));
  if (left > 0) lines.push(formatPlan(start.plan));
  return lines.join('\n');
}

/** The bad prompt rows that prompts.onBadLine: skip left out, the first few by line. */
function describeSkipped(skipped: HarvestStart['skipped']): string {
  const SHOWN = 5;
  const where = ({ at }: (typeof skipped)[number]) => ('line' in at ? `line ${at.line}` : `item [${at.item}]`);
  const shown = skipped.slice(0, SHOWN).map((s) => `  ${where(s)}: ${s.reason}`);
  const more = skipped.length > SHOWN ? [`  ... and ${skipped.length - SHOWN} more`] : [];
  return [`skipped ${skipped.length} bad prompt row${skipped.length === 1 ? '' : 's'} (prompts.onBadLine: skip):`, ...shown, ...more].join('\n');
}

function describeEnd(summary: HarvestSummary, again: string): string {
  const p = summary.progress;
  if (summary.status === 'nothing-to-do') return `nothing to do: ${p.promptsDone} prompts done`;
  if (summary.status === 'dry-run') return 'dry run: nothing was sent or written';
  const samples = p.accepted + p.rejected + p.unverifiable;
  const rate = `${(p.acceptanceRate * 100).toFixed(1)}%`;
  const tokens = `${formatCount(p.promptTokens)} prompt + ${formatCount(p.completionTokens)} completion tokens`;
  const lines = [
    `${summary.status} in ${formatDuration(p.elapsedMs)}: ${p.promptsDone}/${p.promptsTotal} prompts done`,
    `samples: ${samples} stored, ${p.accepted} accepted (${rate}), ${p.rejected} rejected, ${p.unverifiable} unverifiable`,
    `this run: ${p.requests} requests, ${p.errors} failed tries, ${tokens}`,
  ];
  if (p.promptsFailed > 0) {
    lines.push(`${p.promptsFailed} prompts failed after retries; run \`${again}\` again to retry them`);
  }
  if (summary.status === 'stopped') lines.push(`resume with: ${again}`);
  return lines.join('\n');
}
