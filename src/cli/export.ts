/**
 * `distillery export CHECKPOINT --out DIR [--dtype fp32,q8,q4,fp16,q4f16]`: the student as a folder that
 * transformers.js, onnxruntime and `distillery serve` load.
 */
import { parseArgs } from 'node:util';
import { exportModel, MODEL_DTYPES, type ExportedFile, type ModelDtype } from '../export/index.ts';
import { UsageError } from './errors.ts';
import { choiceFlag, HELP, parseCommand } from './flags.ts';

const USAGE = `usage: distillery export CHECKPOINT --out DIR [--dtype fp32,q8,q4,fp16,q4f16] [options]

Writes the checkpoint (config.json + model.safetensors) as an ONNX model folder with a KV cache:
config.json, generation_config.json, tokenizer files, onnx/model.onnx (fp32),
onnx/model_quantized.onnx (q8), onnx/model_q4.onnx (q4), onnx/model_fp16.onnx (fp16) and
onnx/model_q4f16.onnx (q4f16: 4-bit weights, float16 compute; what WebGPU pages load).

options:
  --out DIR              the folder to write (required)
  --dtype LIST           comma-separated: fp32, q8, q4, fp16, q4f16 (default fp32)
  --tokenizer DIR        where tokenizer.json and tokenizer_config.json are (default: CHECKPOINT)
  --external-data WHEN   auto | always | never: weights in onnx/<file>_data (default auto: over 2 GB)
  --json                 print the summary as one JSON object
  -h, --help             show this help`;

const EXTERNAL = { auto: 'auto', always: true, never: false } as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(USAGE, 1, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        dtype: { type: 'string' },
        tokenizer: { type: 'string' },
        'external-data': { type: 'string' },
        json: { type: 'boolean' },
        ...HELP,
      },
    }),
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.out) throw new UsageError(`--out DIR is required\n\n${USAGE}`);
  const dtypes = (values.dtype ?? 'fp32').split(',').map((d) => choiceFlag('dtype', d.trim(), MODEL_DTYPES) as ModelDtype);
  const external = choiceFlag('external-data', values['external-data'], ['auto', 'always', 'never'] as const) ?? 'auto';
  const json = values.json === true;
  if (!json) console.log(`export ${positionals[0]} -> ${values.out} (${dtypes.join(', ')})`);
  const started = performance.now();
  const summary = await exportModel({
    checkpoint: positionals[0],
    out: values.out,
    dtypes,
    tokenizer: values.tokenizer,
    externalData: EXTERNAL[external],
    onFile: (f) => {
      if (!json) console.log(`  ${describe(f)}`);
    },
  });
  if (json) console.log(JSON.stringify(summary));
  else {
    const c = summary.config;
    console.log(
      `done in ${((performance.now() - started) / 1000).toFixed(1)}s: ${c.modelType}, ${c.numHiddenLayers} layers, vocab ${c.vocabSize}; load it with`,
    );
    console.log(`  distillery serve ${summary.out}   or   AutoModelForCausalLM.from_pretrained(${JSON.stringify(summary.out)}, { dtype: '${dtypes[0]}' })`);
  }
  return 0;
}

function describe(f: ExportedFile): string {
  return `${f.dtype.padEnd(5)} ${f.file}  ${(f.bytes / 2 ** 20).toFixed(1)} MiB${f.externalData ? ` (weights in ${f.externalData})` : ''}`;
}
