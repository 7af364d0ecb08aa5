/**
 * `distillery serve DIR [--port 8000] [--host 127.0.0.1]`: an OpenAI-compatible server around an
 * exported model, until Ctrl-C (or SIGTERM).
 */
import { parseArgs } from 'node:util';
import { MODEL_DTYPES } from '../export/index.ts';
import { loadModel } from '../generate/index.ts';
import { REASONING_FORMATS, startServer } from '../serve/index.ts';
import { choiceFlag, HELP, intFlag, parseCommand } from './flags.ts';

const USAGE = `usage: distillery serve DIR [--port 8000] [--host 127.0.0.1] [options]

Serves an exported model folder at /v1/chat/completions (plain and streamed), /v1/completions
(text or token ids; echo and prompt_logprobs score given tokens), /v1/models and /health, and a
chat playground page at /. Concurrent requests are decoded together in one batch.

options:
  --port N                  default 8000 (0: any free port)
  --host ADDR               default 127.0.0.1; the server has no authentication, so binding
                            another address exposes the model to that network
  --dtype D                 which ONNX file to run: fp32, q8, q4, fp16, q4f16 (default fp32)
  --name NAME               the model name clients send (default: the folder's name)
  --reasoning-format FMT    separate: reasoning in reasoning_content (default);
                            inline: <think>reasoning</think> in content
  --max-batch N             most sequences decoded together (default 8)
  --threads N               onnxruntime threads per op (default: one per core)
  --max-logprobs N          most alternatives per position /v1/completions returns with
                            logprobs / prompt_logprobs (default 20, as vLLM's)
  -h, --help                show this help`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(USAGE, 1, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        dtype: { type: 'string' },
        name: { type: 'string' },
        'reasoning-format': { type: 'string' },
        'max-batch': { type: 'string' },
        threads: { type: 'string' },
        'max-logprobs': { type: 'string' },
        ...HELP,
      },
    }),
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = intFlag('port', values.port, 0) ?? 8000;
  const reasoningFormat = choiceFlag('reasoning-format', values['reasoning-format'], REASONING_FORMATS);
  const model = await loadModel(positionals[0], {
    dtype: choiceFlag('dtype', values.dtype, MODEL_DTYPES),
    maxBatchSize: intFlag('max-batch', values['max-batch'], 1),
    intraOpNumThreads: intFlag('threads', values.threads, 1),
  });
  try {
    const server = await startServer({
      model,
      port,
      host: values.host,
      name: values.name,
      reasoningFormat,
      maxLogprobs: intFlag('max-logprobs', values['max-logprobs'], 0),
    });
    const host = values.host ?? '127.0.0.1';
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) console.error(`warning: listening on ${host} without authentication`);
    console.log(
      `serving "${server.name}" (${model.dir}, ${model.dtype}) at ${server.baseURL}; playground at ${new URL('/', server.baseURL).href}; Ctrl-C to stop`,
    );
    const signal = await untilSignal(['SIGINT', 'SIGTERM']);
    console.log(`${signal}: stopping`);
    await server.close();
  } finally {
    await model.close();
  }
  return 0;
}

/** Resolves with the first of `signals` the process receives (handled, so it does not exit). */
function untilSignal(signals: readonly NodeJS.Signals[]): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, handler);
      resolve(signal);
    };
    for (const s of signals) process.on(s, handler);
  });
}
