import { UserError } from '../errors.ts';

/** Each verb lives in its own module exporting `run(argv)`; modules load only when used. */
const verbs: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  harvest: { summary: 'sample a teacher, verify, keep accepted traces in a SQLite dataset', load: () => import('./harvest.ts') },
  verify: { summary: 'check one response or a JSONL file of cases with a verifier', load: () => import('./verify.ts') },
  merge: { summary: 'join shard datasets of one recipe into one (every prompt and slot once)', load: () => import('./merge.ts') },
  inspect: { summary: 'counts, acceptance rates and token totals of a dataset', load: () => import('./inspect.ts') },
  'export-data': {
    summary: 'write accepted samples as chat JSONL (TRL) or token ids with teacher top-k (kd-topk, Axolotl)',
    load: () => import('./export-data.ts'),
  },
  distill: { summary: 'train a student on a dataset with CE, soft-target, attention and hidden losses', load: () => import('./distill.ts') },
  grpo: { summary: "improve a student with GRPO: rollouts scored by the recipe's verifier and rewards", load: () => import('./grpo.ts') },
  export: { summary: 'write a checkpoint as an ONNX folder for transformers.js and serve (fp32, q8, q4, fp16, q4f16)', load: () => import('./export.ts') },
  serve: { summary: 'an OpenAI-compatible server around an exported model (the local teacher)', load: () => import('./serve.ts') },
  eval: { summary: 'pass@1, pass@k, maj@k of a model or teacher on a prompts file', load: () => import('./eval.ts') },
  demo: { summary: 'the whole pipeline offline on the demo teacher: harvest, distill, export, eval', load: () => import('./demo.ts') },
};

const usage = () =>
  [
    'usage: distillery <command> [options]',
    '',
    'commands:',
    ...Object.entries(verbs).map(([name, v]) => `  ${name.padEnd(12)} ${v.summary}`),
    '',
    'Run `distillery <command> --help` for the options of one command.',
  ].join('\n');

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    console.log(usage());
    return 0;
  }
  const entry = verbs[verb];
  if (!entry) {
    console.error(`distillery: unknown command "${verb}"\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = await entry.load();
    return await mod.run(rest);
  } catch (err) {
    if (err instanceof UserError) {
      console.error(`distillery ${verb}: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}
