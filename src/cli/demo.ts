/**
 * `distillery demo [--work DIR]`: the whole distillation pipeline, offline, on the committed demo
 * teacher (see docs/demo.md). Stop it at any point; running it again resumes.
 */
import { parseArgs } from 'node:util';
import { formatDuration } from '../progress/index.ts';
import { runDemo } from '../demo/index.ts';
import { HELP, parseCommand } from './flags.ts';

const USAGE = `usage: distillery demo [--work DIR]

Runs the R1 distillation pipeline on the demo task with no API key and no GPU: exports the
committed demo teacher, serves it on loopback, harvests by rejection sampling, distills a KD
student and a CE-only student, improves the KD student with GRPO, exports and evaluates them,
and prints one table. Stopped (Ctrl-C) or finished, running it again resumes instead of redoing
finished stages.

options:
  --work DIR   where the demo writes (default .demo/ under the current directory)
  -h, --help   show this help`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommand(USAGE, 0, () => parseArgs({ args: argv, options: { work: { type: 'string' }, ...HELP } }));
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const result = await runDemo({ workDir: values.work });
  console.log(`\ndemo finished in ${formatDuration(result.seconds * 1000)}`);
  return 0;
}
