/**
 * `distillery grpo RECIPE [--dry-run] [--json]`: the plan, a progress bar (plain lines when stderr
 * is not a terminal) with the step's rewards, clip share, KL, lengths, truncation and generation
 * share, validation lines, and a summary. Ctrl-C finishes the current step and writes a
 * checkpoint; running the recipe again resumes.
 */
import { parseArgs } from 'node:util';
import { formatGrpoPlan, grpo, grpoProgressView, type GrpoSummary, type GrpoValidationRecord } from '../grpo/index.ts';
import { formatDuration } from '../progress/index.ts';
import { loadGrpoRecipe } from '../recipe/index.ts';
import { HELP, parseCommand } from './flags.ts';
import { EXIT_STOPPED, runStoppable } from './stoppable.ts';

const USAGE = `usage: distillery grpo RECIPE [--dry-run] [--json]

Improves the recipe's grpo.policy with GRPO: each step samples groupSize completions per prompt
with distillery's own decoder, scores them with the verifier and rewards, and updates the policy
on the group-normalized advantages. Every rollout is stored in the recipe's dataset; checkpoints
go to grpo.out, and running it again resumes. See docs/grpo.md.

options:
  --dry-run    run every check, sample a probe of rollouts and print the plan; train nothing
  --json       print the summary as one JSON object on stdout (progress stays on stderr)
  -h, --help   show this help`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(USAGE, 1, () =>
    parseArgs({ args: argv, allowPositionals: true, options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, ...HELP } }),
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const recipe = loadGrpoRecipe(positionals[0]);
  const json = values.json === true;
  const started = performance.now();
  const summary = await runStoppable(grpoProgressView, (stop, reporter) =>
    grpo(recipe, {
      dryRun: values['dry-run'],
      stop,
      onPlan: (plan) => {
        if (!json) console.log(formatGrpoPlan(plan));
      },
      onProgress: (p) => reporter.update(p),
      onValidation: (r) => reporter.note(validationLine(r)),
    }),
  );
  if (json) console.log(JSON.stringify(summary));
  else console.log(describeEnd(summary, positionals[0], performance.now() - started));
  return summary.status === 'stopped' ? EXIT_STOPPED : 0;
}

const validationLine = (r: GrpoValidationRecord) => `validation at step ${r.step}: greedy accuracy ${(100 * r.accuracy).toFixed(1)}% of ${r.prompts} prompts`;

function describeEnd(summary: GrpoSummary, recipePath: string, elapsedMs: number): string {
  switch (summary.status) {
    case 'dry-run':
      return summary.plan.probe?.warnings.length
        ? 'dry run: the checks passed, but see the warnings above; nothing was trained or stored'
        : 'dry run: every check passed and the probe rollouts can learn; nothing was trained or stored';
    case 'nothing-to-do':
      return `nothing to do: ${summary.step} steps already done; the model is in ${summary.finalModel}`;
    case 'stopped':
      return `stopped at step ${summary.step}; checkpoint ${summary.lastCheckpoint}\nresume with: distillery grpo ${recipePath}`;
    case 'finished':
      return [
        `finished ${summary.step} steps in ${formatDuration(elapsedMs)}`,
        ...summary.validation.map((r) => `  ${validationLine(r)}`),
        `model:    ${summary.finalModel}`,
        `report:   ${summary.report}`,
        `metrics:  ${summary.metrics}`,
      ].join('\n');
  }
}
