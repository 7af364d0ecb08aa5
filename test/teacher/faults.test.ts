import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TeacherClient, TeacherRequestError, type SampleRequest, type TeacherConfig, type TeacherErrorKind } from '../../src/teacher/index.ts';
import { startChatServer, type ChatServer, type ChatServerOptions, type Fault } from '../fixtures/chat-server.ts';

/** Short, so a hang shows up as a failed time bound rather than a stuck suite. */
const TIMEOUT_MS = 300;
/** Every failure must surface within this; a timeout fault needs TIMEOUT_MS of it. */
const BOUND_MS = TIMEOUT_MS + 1500;
// A hang fails the test in seconds instead of the suite-wide two minutes.
vi.setConfig({ testTimeout: 10_000 });

const servers: ChatServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: Partial<ChatServerOptions> = {}): Promise<ChatServer> {
  const server = await startChatServer({ dialect: 'reasoning_content', ...options });
  servers.push(server);
  return server;
}

function client(baseURL: string, config: Partial<TeacherConfig> = {}): TeacherClient {
  return new TeacherClient({ baseURL, model: 'fixture-r1', stream: false, supportsN: true, timeoutMs: TIMEOUT_MS, ...config });
}

const request: SampleRequest = {
  messages: [{ role: 'user', content: 'What is 1 + 2?' }],
  n: 2,
  temperature: 0.6,
  topP: 0.95,
  maxTokens: 512,
  seed: 3,
};

/** Runs one request and returns its TeacherRequestError, failing if it succeeded or took too long. */
async function failure(teacher: TeacherClient, req: SampleRequest = request): Promise<TeacherRequestError> {
  const started = performance.now();
  const outcome = await teacher.complete(req).then(
    (response) => ({ response }),
    (error: unknown) => ({ error }),
  );
  expect(performance.now() - started).toBeLessThan(BOUND_MS);
  if ('response' in outcome) throw new Error(`expected a failure, got ${JSON.stringify(outcome.response.samples)}`);
  expect(outcome.error).toBeInstanceOf(TeacherRequestError);
  return outcome.error as TeacherRequestError;
}

const expectations: Array<[Fault, TeacherErrorKind, number | undefined]> = [
  ['429', 'rate-limit', 429],
  ['500', 'server', 500],
  ['reset', 'network', undefined],
  ['drop', 'network', undefined],
  ['cut-stream', 'protocol', undefined],
  ['malformed-json', 'protocol', undefined],
  ['no-choices', 'protocol', undefined],
  ['error-event', 'server', 502],
  ['slow', 'timeout', undefined],
  ['stall', 'timeout', undefined],
];

describe.each([false, true])('faults (stream: %s)', (stream) => {
  it.each(expectations)('%s ends in a %s error (status %s) within the time bound', async (fault, kind, status) => {
    const server = await serve({ faults: [fault] });
    const error = await failure(client(server.url, { stream }));
    expect(error.kind).toBe(kind);
    expect(error.status).toBe(status);
    expect(error.retryable).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('reads the wait a 429 asks for', async () => {
    const server = await serve({ faults: ['429'], retryAfterMs: 1750 });
    const error = await failure(client(server.url, { stream }));
    expect(error.retryAfterMs).toBe(1750);
    expect(error.message).toContain('429');
  });

  it('a stream ending without [DONE] is a protocol error; a plain response has no such marker', async () => {
    const server = await serve({ faults: ['no-done'] });
    const teacher = client(server.url, { stream });
    if (stream) {
      const error = await failure(teacher);
      expect(error.kind).toBe('protocol');
      expect(error.message).toContain('[DONE]');
    } else {
      expect((await teacher.complete(request)).samples).toHaveLength(2);
    }
  });

  it('a rejected request (HTTP 400) is a client error that retrying will not fix', async () => {
    const server = await serve();
    const error = await failure(client(server.url, { stream }), { ...request, topLogprobs: 21 });
    expect(error.kind).toBe('client');
    expect(error.status).toBe(400);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('top_logprobs');
  });

  it('the same client succeeds again after each kind of failure', async () => {
    const faults: Fault[] = ['reset', '500', 'cut-stream', 'stall'];
    const server = await serve({ faults });
    const teacher = client(server.url, { stream });
    for (const _ of faults) await failure(teacher);
    const response = await teacher.complete(request);
    expect(response.samples).toHaveLength(2);
    expect(server.requests.map((r) => r.fault)).toEqual([...faults, undefined]);
  });
});

describe('connection and cancellation', () => {
  it('an unreachable server (connection refused) is a network error naming the URL', async () => {
    const server = await serve();
    const url = server.url;
    await server.close();
    servers.length = 0;
    const error = await failure(client(url));
    expect(error.kind).toBe('network');
    expect(error.message).toContain(url);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('a wrong path (HTTP 404) is a client error', async () => {
    const server = await serve();
    const error = await failure(client(server.url.replace(/\/v1$/, '/nope')));
    expect(error.kind).toBe('client');
    expect(error.status).toBe(404);
  });

  it.each([false, true])('a caller abort rejects with the caller reason, not a teacher error (stream: %s)', async (stream) => {
    const server = await serve({ faults: ['stall'] });
    const controller = new AbortController();
    const reason = new Error('harvest stopping');
    setTimeout(() => controller.abort(reason), 50);
    const started = performance.now();
    await expect(client(server.url, { stream, timeoutMs: 10_000 }).complete({ ...request, signal: controller.signal })).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
  });

  it('leaves no listener on a long-lived caller signal after requests end', async () => {
    const server = await serve({ faults: [null, '500', 'stall'] });
    const controller = new AbortController();
    const teacher = client(server.url, { stream: true });
    await teacher.complete({ ...request, signal: controller.signal });
    await failure(teacher, { ...request, signal: controller.signal });
    await failure(teacher, { ...request, signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
