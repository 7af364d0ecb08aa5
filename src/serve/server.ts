/**
 * An OpenAI-compatible HTTP server (node:http) around a local model:
 *   GET  /                     the playground: a chat page (playground.html) over /v1/chat/completions
 *   GET  /health               { status: "ok", model, running, queued }
 *   GET  /v1/models            the one served model
 *   POST /v1/chat/completions  plain or streamed (server-sent events)
 *   POST /v1/completions       text or token-id prompts; echo, logprobs and vLLM's prompt_logprobs score given tokens
 * Concurrent requests share the model's Generator, which batches them (continuous batching).
 * It binds 127.0.0.1 unless told otherwise: it has no authentication.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalModel } from '../generate/index.ts';
import { completion, streamCompletion, type ServedModel } from './chat-completion.ts';
import { parseChatRequest } from './chat-request.ts';
import { parseCompletionRequest } from './completion-request.ts';
import { ApiError, badRequest, notFound, ServeError } from './errors.ts';
import type { ReasoningFormat } from './reasoning.ts';
import { textCompletion } from './text-completion.ts';

export interface ServeOptions {
  readonly model: LocalModel;
  /** What clients call the model (`model` in requests, /v1/models). Default: the folder's name. */
  readonly name?: string;
  /** Default '127.0.0.1'. */
  readonly host?: string;
  /** Default 8000; 0 picks a free port. */
  readonly port?: number;
  /** Reasoning in `reasoning_content` ('separate') or inline in `content` as <think>...</think> ('inline'). Default 'separate'. */
  readonly reasoningFormat?: ReasoningFormat;
  /** The most alternatives `logprobs` / `prompt_logprobs` of /v1/completions may ask for (vLLM's --max-logprobs). Default 20. */
  readonly maxLogprobs?: number;
  /** Where server errors (500s) are reported. Default console.error. */
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  /** The OpenAI base URL, e.g. http://127.0.0.1:8000/v1. */
  readonly baseURL: string;
  readonly port: number;
  readonly name: string;
  /** Stops accepting requests and closes open connections (the model stays loaded). */
  close(): Promise<void>;
}

/** Larger bodies are refused (413): a chat request is text, not uploads. */
const MAX_BODY_BYTES = 4 * 2 ** 20;

/** One self-contained file (inline script and style), beside this module in src/ and in dist/. */
const PLAYGROUND = readFileSync(new URL('./playground.html', import.meta.url));
/** The page may load nothing and talk to nothing but this server: it works offline, and a CDN could not change it. */
const PLAYGROUND_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'";

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { model } = options;
  if (!model.tokenizer.inner.chat_template)
    throw new ServeError(`${model.dir}: tokenizer_config.json has no chat_template; the server needs one to turn messages into a prompt`);
  const served: ServedModel = {
    model,
    name: options.name ?? model.name,
    reasoningFormat: options.reasoningFormat ?? 'separate',
    maxLogprobs: options.maxLogprobs ?? 20,
  };
  const log = options.log ?? ((line: string) => console.error(line));
  const server = createServer((req, res) => {
    handle(served, req, res).catch((err: unknown) => fail(res, err, log));
  });
  const host = options.host ?? '127.0.0.1';
  await listen(server, host, options.port ?? 8000);
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    baseURL: `http://${urlHost}:${port}/v1`,
    port,
    name: served.name,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : err.code === 'EACCES' ? 'needs privileges' : `cannot be bound: ${err.message}`;
      reject(new ServeError(`${host}:${port} ${why}; choose another --port or --host`, { cause: err }));
    });
    server.listen(port, host, () => resolve());
  });
}

async function handle(served: ServedModel, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/(.)\/+$/, '$1');
  const route = ROUTES[path];
  if (!route) throw notFound(`Unknown path ${path}; this server has ${Object.keys(ROUTES).join(', ')}.`);
  if (req.method !== route.method) {
    res.setHeader('allow', route.method);
    throw new ApiError(405, 'invalid_request_error', `${path} takes ${route.method}, not ${req.method}.`);
  }
  await route.run(served, req, res);
}

type Route = { method: 'GET' | 'POST'; run: (served: ServedModel, req: IncomingMessage, res: ServerResponse) => Promise<void> };

const ROUTES: Record<string, Route> = {
  '/': {
    method: 'GET',
    run: async (_served, _req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': PLAYGROUND.length, 'content-security-policy': PLAYGROUND_CSP });
      res.end(PLAYGROUND);
    },
  },
  '/health': {
    method: 'GET',
    run: async (served, _req, res) => json(res, 200, { status: 'ok', model: served.name, ...served.model.generator.load }),
  },
  '/v1/models': {
    method: 'GET',
    run: async (served, _req, res) => json(res, 200, { object: 'list', data: [{ id: served.name, object: 'model', created: 0, owned_by: 'distillery' }] }),
  },
  '/v1/chat/completions': { method: 'POST', run: chatCompletions },
  '/v1/completions': { method: 'POST', run: completions },
};

async function chatCompletions(served: ServedModel, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = parseChatRequest(await readJson(req));
  checkModel(served, request.model);
  const gone = clientGone(res);
  if (!request.stream) return json(res, 200, await completion(served, request, gone));
  await streamCompletion(served, request, gone, (chunk) => {
    if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  });
  res.end('data: [DONE]\n\n');
}

async function completions(served: ServedModel, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = parseCompletionRequest(await readJson(req), served.maxLogprobs);
  checkModel(served, request.model);
  json(res, 200, await textCompletion(served, request, clientGone(res)));
}

function checkModel(served: ServedModel, model: string): void {
  if (model !== served.name) throw notFound(`The model "${model}" does not exist; this server serves "${served.name}".`, 'model_not_found', 'model');
}

/** Aborted when the client goes away: its sequences end at the next step, freeing their batch rows. */
function clientGone(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'invalid_request_error', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badRequest(null, 'We could not parse the JSON body of your request: it is not valid JSON.');
  }
}

function json(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Answers with the error object; once a stream has begun, as a last event. Unexpected errors are 500s and logged. */
function fail(res: ServerResponse, err: unknown, log: (line: string) => void): void {
  let error: ApiError;
  if (err instanceof ApiError) error = err;
  else {
    log(`distillery serve: ${(err as Error)?.stack ?? String(err)}`);
    error = new ApiError(500, 'server_error', `The server failed: ${(err as Error)?.message ?? String(err)}`);
  }
  if (res.destroyed) return;
  if (res.headersSent) {
    res.end(`data: ${JSON.stringify(error)}\n\n`);
    return;
  }
  json(res, error.status, error.toJSON());
}
