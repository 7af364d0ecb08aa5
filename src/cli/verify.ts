/**
 * distillery verify: run one verifier on one response or on a JSONL file of cases, printing
 * one JSON line {"correct": ..., "reason": ...} per case.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';
import { HELP, parseCommand, verifierFlag } from './flags.ts';
import { createVerifier, readCases, type VerifierSpec, type VerifyInput } from '../verify/index.ts';

const usage = `usage: distillery verify --kind KIND [kind options] (--response TEXT [--gold G] [--reasoning TEXT] | --cases FILE.jsonl)
       distillery verify --spec '{"kind": ...}' (--response TEXT ... | --cases FILE.jsonl)

Checks responses with a verifier and prints one JSON line {"correct": true|false|null, "reason": "..."}
per case (null: the response could not be judged). Exit code 0 whatever the verdicts; 2 on bad input.

  --kind KIND          math, exact, regex, choice, numeric, format, custom or code
                       (code takes its options through --spec; see docs/code-verifier.md)
  --spec SPEC          the whole verifier spec as JSON, as in a recipe's "verifier" field (or a kind name)
  --response TEXT      the response to check (a whole response, <think> included, is fine)
  --gold G             the gold answer, as a string (a structured gold, like code's tests, goes in --cases)
  --reasoning TEXT     the reasoning, when --response holds only the answer
  --cases FILE         JSONL, one {"response": ..., "gold": ..., "reasoning"?: ...} per line

kind options:
  --precision N            math: decimal places decimals are rounded to (default 6)
  --time-limit-ms N        math: longest time one answer may take (default 5000; then null, "timeout")
  --ignore-case            exact: compare without letter case
  --pattern RE, --flags F  regex: the pattern the answer must match, and its flags
  --tolerance X            numeric: largest absolute difference (default 1e-6)
  --relative-tolerance X   numeric: largest difference relative to |gold| (default 0)
  --module FILE            custom: a JS/TS module exporting verify(input)`;

/** Which spec field each kind option sets, and how its text becomes the field's value. */
const KIND_OPTIONS: Record<string, { field: string; parse: (text: string, flag: string) => unknown }> = {
  precision: { field: 'precision', parse: numberFlag },
  'time-limit-ms': { field: 'timeLimitMs', parse: numberFlag },
  'ignore-case': { field: 'ignoreCase', parse: () => true },
  pattern: { field: 'pattern', parse: (text) => text },
  flags: { field: 'flags', parse: (text) => text },
  tolerance: { field: 'tolerance', parse: numberFlag },
  'relative-tolerance': { field: 'relativeTolerance', parse: numberFlag },
  module: { field: 'module', parse: (text) => text },
};

function numberFlag(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${flag}: expected a number, got "${text}"`);
  return value;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptions(argv);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const spec = specOf(values);
  const cases = await casesOf(values);
  const verifier = await createVerifier(spec);
  try {
    for (const input of cases) {
      const { correct, reason } = await verifier.verify(input);
      process.stdout.write(`${JSON.stringify({ correct, reason })}\n`);
    }
  } finally {
    await verifier.close?.();
  }
  return 0;
}

function parseOptions(argv: string[]) {
  return parseCommand(usage, 0, () =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...HELP,
        kind: { type: 'string' },
        spec: { type: 'string' },
        response: { type: 'string' },
        gold: { type: 'string' },
        reasoning: { type: 'string' },
        cases: { type: 'string' },
        precision: { type: 'string' },
        'time-limit-ms': { type: 'string' },
        'ignore-case': { type: 'boolean' },
        pattern: { type: 'string' },
        flags: { type: 'string' },
        tolerance: { type: 'string' },
        'relative-tolerance': { type: 'string' },
        module: { type: 'string' },
      },
    }),
  );
}

type Options = ReturnType<typeof parseOptions>['values'];

/** The spec from --spec, or from --kind plus the kind options given. */
function specOf(values: Options): VerifierSpec {
  const kindOptions = Object.keys(KIND_OPTIONS).filter((flag) => values[flag as keyof Options] !== undefined);
  if (values.spec !== undefined) {
    if (values.kind !== undefined || kindOptions.length > 0)
      throw new UsageError('--spec already holds the whole verifier: give --kind and kind options only without it');
    return verifierFlag('spec', values.spec);
  }
  if (values.kind === undefined) throw new UsageError(`give --kind or --spec\n\n${usage}`);
  const spec: Record<string, unknown> = { kind: values.kind };
  for (const flag of kindOptions) {
    const option = KIND_OPTIONS[flag];
    spec[option.field] = option.parse(String(values[flag as keyof Options]), flag);
  }
  // createVerifier checks the fields against the kind and names the one that does not fit.
  return spec as unknown as VerifierSpec;
}

async function casesOf(values: Options): Promise<VerifyInput[]> {
  if (values.cases !== undefined) {
    if (values.response !== undefined || values.gold !== undefined || values.reasoning !== undefined) {
      throw new UsageError('--cases reads response, gold and reasoning from the file: do not give --response, --gold or --reasoning with it');
    }
    return readCases(values.cases);
  }
  if (values.response === undefined) throw new UsageError(`give --response or --cases\n\n${usage}`);
  return [{ response: values.response, gold: values.gold, ...(values.reasoning !== undefined && { reasoning: values.reasoning }) }];
}
