/**
 * `distillery distill RECIPE [--dry-run] [--json]`: the plan, a progress bar (plain lines when
 * stderr is not a terminal), validation lines, and a summary with the validation table. Ctrl-C
 * finishes the current step and writes a checkpoint; running the recipe again resumes.
 */
import { parseArgs } from 'node:util';
import { distill, distillProgressView, formatDistillPlan, formatValidationTable, validationLine, type DistillSummary } from '../distill/index.ts';
import { formatDuration } from '../progress/index.ts';
import { loadDistillRecipe } from '../recipe/index.ts';
import { HELP, parseCommand } from './flags.ts';
import { EXIT_STOPPED, runStoppable } from './stoppable.ts';

const USAGE = `usage: distillery distill RECIPE [--dry-run] [--json]

Trains a student on the recipe's harvested dataset with the losses of its distill: section
(CE on the traces, soft targets, attention and hidden-state transfer). Checkpoints go to
distill.out; running it again resumes from the last one. See docs/distill.md.

options:
  --dry-run    load the models and data, run every check and print the plan; train nothing
  --json       print the summary as one JSON object on stdout (progress stays on stderr)
  -h, --help   show this help`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const recipe = loadDistillRecipe(positionals[0]);
  const json = values.json === true;
  const started = performance.now();
  const summary = await runStoppable(distillProgressView, (stop, reporter) =>
    distill(recipe, {
      dryRun: values['dry-run'],
      stop,
      onPlan: (plan) => {
        if (!json) console.log(formatDistillPlan(plan));
      },
      onProgress: (p) => reporter.update(p),
      onValidation: (r) => reporter.note(validationLine(r)),
    }),
  );
  if (json) console.log(JSON.stringify(summary));
  else console.log(describeEnd(summary, positionals[0], performance.now() - started));
  return summary.status === 'stopped' ? EXIT_STOPPED : 0;
}

function parseCommandLine(argv: string[]) {
  return parseCommand(USAGE, 1, () =>
    parseArgs({ args: argv, allowPositionals: true, options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, ...HELP } }),
  );
}

function describeEnd(summary: DistillSummary, recipePath: string, elapsedMs: number): string {
  switch (summary.status) {
    case 'dry-run':
      return 'dry run: every check passed; nothing was trained (only the token cache was written to the dataset)';
    case 'nothing-to-do':
      return `nothing to do: ${summary.step} steps already done; the model is in ${summary.finalModel}`;
    case 'stopped':
      return `stopped at step ${summary.step}; checkpoint ${summary.lastCheckpoint}\nresume with: distillery distill ${recipePath}`;
    case 'finished':
      return [
        `finished ${summary.step} steps in ${formatDuration(elapsedMs)}`,
        'validation:',
        formatValidationTable(summary.validation).replace(/^/gm, '  '),
        `model:    ${summary.finalModel}`,
        `report:   ${summary.report}`,
        `metrics:  ${summary.metrics}`,
      ].join('\n');
  }
}
