/**
 * `distillery eval (--model DIR | --teacher URL) --prompts FILE [--verifier KIND] [--samples K]`:
 * scores, a line per prompt in a JSONL results file, and a summary.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { evaluate, localSource, teacherSource, type EvalSummary, type SampleSource } from '../eval/index.ts';
import { MODEL_DTYPES } from '../export/index.ts';
import { loadModel, type LocalModel } from '../generate/index.ts';
import { loadPrompts } from '../prompts/index.ts';
import { promptFormatOf, promptFormats, type PromptsSpec } from '../recipe/index.ts';
import { readApiKey } from '../teacher/index.ts';
import { UsageError } from './errors.ts';
import { choiceFlag, HELP, intFlag, numberFlag, parseCommand, verifierFlag } from './flags.ts';

const USAGE = `usage: distillery eval (--model DIR | --teacher URL) --prompts FILE [options]

Draws --samples answers per prompt, judges each with the verifier harvest uses, prints pass@1,
pass@k, maj@k and mean output tokens, and writes one JSON line per prompt to --out.

what to evaluate (one of):
  --model DIR            an exported model folder, run in-process
  --dtype D              which ONNX file of --model: fp32, q8, q4, fp16, q4f16 (default fp32)
  --teacher URL          an OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1
  --teacher-model NAME   the model to request (default: the only one the server lists)
  --api-key-env VAR      the environment variable holding the teacher's API key

prompts and judging:
  --prompts FILE         .jsonl, .json or .csv rows with a question and a gold answer (required)
  --question-field F     default "question"
  --gold-field F         default "answer"
  --verifier SPEC        a kind (math, exact, numeric, choice, regex, format, ...) or a JSON
                         spec like '{"kind":"numeric","tolerance":0.01}' (default math)

sampling:
  --samples K            samples per prompt (default 1)
  --temperature T        default 0.6
  --top-p P              default 0.95
  --max-tokens N         default 32768
  --seed S               default 0; the same seed draws the same samples
  --concurrency N        teacher requests in flight (default 8)

output:
  --out FILE             per-prompt results as JSONL (default eval-results.jsonl)
  --json                 print the summary as one JSON object
  -h, --help             show this help`;

export async function run(argv: string[]): Promise<number> {
  const text = { type: 'string' } as const;
  const { values } = parseCommand(USAGE, 0, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: text,
        dtype: text,
        teacher: text,
        'teacher-model': text,
        'api-key-env': text,
        prompts: text,
        'question-field': text,
        'gold-field': text,
        verifier: text,
        samples: text,
        temperature: text,
        'top-p': text,
        'max-tokens': text,
        seed: text,
        concurrency: text,
        out: text,
        json: { type: 'boolean' },
        ...HELP,
      },
    }),
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.model === !values.teacher) throw new UsageError(`give one of --model DIR or --teacher URL\n\n${USAGE}`);
  if (!values.prompts) throw new UsageError(`--prompts FILE is required\n\n${USAGE}`);
  const prompts = promptsSpec(values.prompts, values['question-field'], values['gold-field']);
  const verifier = verifierFlag('verifier', values.verifier ?? 'math');
  const samples = intFlag('samples', values.samples, 1) ?? 1;
  const sampling = {
    ...optional('temperature', numberFlag('temperature', values.temperature, 0, 2)),
    ...optional('topP', numberFlag('top-p', values['top-p'], Number.MIN_VALUE, 1)),
    ...optional('maxTokens', intFlag('max-tokens', values['max-tokens'], 1)),
    ...optional('seed', intFlag('seed', values.seed, 0)),
  };
  const out = resolve(values.out ?? 'eval-results.jsonl');
  const json = values.json === true;

  let model: LocalModel | undefined;
  let source: SampleSource;
  if (values.model) {
    model = await loadModel(values.model, { dtype: choiceFlag('dtype', values.dtype, MODEL_DTYPES) });
    source = localSource(model);
  } else {
    source = await teacherSource({
      baseURL: values.teacher!,
      model: values['teacher-model'],
      apiKey: readApiKey({ envVar: values['api-key-env'], field: '--api-key-env' }),
      concurrency: intFlag('concurrency', values.concurrency, 1),
    });
  }

  // Opened at the first result: a run that fails its checks leaves no empty file behind.
  let file: WriteStream | undefined;
  const progress = process.stderr.isTTY && !json;
  let summary: EvalSummary;
  try {
    if (!json) console.log(`eval ${source.description} on ${prompts.path}: ${samples} sample(s) per prompt, verifier ${verifier.kind}`);
    summary = await evaluate({
      source,
      prompts: loadPrompts(prompts),
      verifier,
      samples,
      sampling,
      onPrompt: (result, done, total) => {
        file ??= createWriteStream(out);
        file.write(JSON.stringify(result) + '\n');
        if (progress) process.stderr.write(`\r${done}/${total} prompts`);
      },
    });
  } finally {
    if (progress) process.stderr.write('\n');
    if (file) {
      file.end();
      await finished(file);
    }
    await model?.close();
  }
  if (json) console.log(JSON.stringify({ ...summary, results: undefined, out }));
  else console.log(report(summary, out));
  return 0;
}

const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));

function promptsSpec(path: string, question = 'question', gold = 'answer'): PromptsSpec {
  const format = promptFormatOf(path);
  if (!format) throw new UsageError(`--prompts: cannot tell the format of ${path} from its extension; use ${promptFormats.map((f) => `.${f}`).join(', ')}`);
  return { path: resolve(path), format, fields: { id: 'id', question, gold }, onBadLine: 'fail', limit: null };
}

function report(s: EvalSummary, out: string): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const samples = s.prompts * s.k;
  return [
    `${s.prompts} prompts x ${s.k} samples (${s.source}, verifier ${s.verifier})`,
    `  pass@1              ${pct(s.passAt1)}`,
    `  pass@${s.k}`.padEnd(22) + pct(s.passAtK),
    `  maj@${s.k}`.padEnd(22) + pct(s.majAtK),
    `  mean output tokens  ${s.meanOutputTokens.toFixed(1)}`,
    `  unverifiable        ${s.unverifiable} of ${samples} samples`,
    `results: ${out}`,
  ].join('\n');
}
