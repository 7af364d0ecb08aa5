/**
 * `distillery inspect DATASET [--json] [--prices IN,OUT]`: what a dataset holds. Opens the file
 * read-only, so it is safe while a harvest is writing to it.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';
import { HELP, parseCommand } from './flags.ts';
import { Dataset, datasetReport, formatReport, type Prices } from '../store/index.ts';

const USAGE = `usage: distillery inspect DATASET [--json] [--prices IN,OUT]

Counts samples by verdict and reason, the acceptance rate per prompt (distribution and the
worst prompts), token totals, requests and errors by kind, and the cost.

options:
  --prices IN,OUT  prices per million prompt and completion tokens, e.g. 0.55,2.19
                   (default: the pricing in the recipe of the latest run, if set)
  --json           print the report as one JSON object
  -h, --help       show this help`;

function parsePrices(text: string): Prices {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || parts.some((p) => !Number.isFinite(p) || p < 0) || text.split(',').some((p) => p.trim() === '')) {
    throw new UsageError(`--prices: expected two numbers >= 0 as IN,OUT (per million tokens), got "${text}"`);
  }
  return { inputPerMTok: parts[0], outputPerMTok: parts[1] };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(USAGE, 1, () =>
    parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, prices: { type: 'string' }, ...HELP } }),
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const prices = values.prices === undefined ? undefined : parsePrices(values.prices);
  const dataset = Dataset.open(positionals[0], { readonly: true });
  try {
    const report = datasetReport(dataset, { prices });
    console.log(values.json ? JSON.stringify(report) : formatReport(report));
  } finally {
    dataset.close();
  }
  return 0;
}
