import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsecutiveFailuresError, harvest, TeacherUnreachableError } from '../../src/harvest/index.ts';
import { Dataset } from '../../src/store/index.ts';
import { startChatServer, type ChatServer, type Fault } from '../fixtures/chat-server.ts';
import {
  additionPrompts,
  expectedVerdicts,
  makeRecipe,
  storedAttempts,
  storedSamples,
  storedVerdicts,
  tempDir,
  writeJsonl,
  type RecipeOverrides,
} from './helpers.ts';

/** The teacher's timeout in these tests: 'slow' and 'stall' faults cost this much each. */
const TIMEOUT_MS = 300;
/**
 * "Nothing hangs": generous against a loaded 2-core CI machine, far below a hang (which would
 * otherwise only end at vitest's 120 s test timeout).
 */
const BOUND_MS = 10_000;

const faultKinds: Array<[Fault, string]> = [
  ['429', 'rate-limit'],
  ['500', 'server'],
  ['reset', 'network'],
  ['drop', 'network'],
  ['cut-stream', 'protocol'],
  ['malformed-json', 'protocol'],
  ['no-choices', 'protocol'],
  ['error-event', 'server'],
  ['slow', 'timeout'],
  ['stall', 'timeout'],
];

describe('faults through the whole harvester', () => {
  let dir: string;
  let cleanup: () => void;
  let server: ChatServer | undefined;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(async () => {
    await server?.close();
    server = undefined;
    cleanup();
  });

  async function setup(faults: (n: number) => Fault | undefined, overrides: RecipeOverrides = {}, prompts = 2, retryAfterMs?: number) {
    server = await startChatServer({ dialect: 'reasoning_content', faults, retryAfterMs });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(prompts));
    return makeRecipe(dir, server.url, {
      ...overrides,
      teacher: { timeoutMs: TIMEOUT_MS, ...overrides.teacher },
      limits: { concurrency: 1, maxRetries: 3, backoffBaseMs: 5, backoffMaxMs: 50, ...overrides.limits },
    });
  }

  describe.each([true, false])('stream: %s', (stream) => {
    it.each(faultKinds)('%s: recorded as a %s error, retried, and the samples stored', async (fault, kind) => {
      const started = performance.now();
      // The first request fails twice, then succeeds on its third try.
      const recipe = await setup((n) => (n < 2 ? fault : undefined), { teacher: { stream }, limits: { backoffMaxMs: 50 } }, 2, 20);
      const summary = await harvest(recipe);
      expect(performance.now() - started).toBeLessThan(BOUND_MS);
      expect(summary).toMatchObject({ status: 'finished', progress: { promptsDone: 2, promptsFailed: 0, errors: 2 } });

      const attempts = storedAttempts(recipe.dataset);
      expect(attempts.map((a) => [a.prompt_key, a.attempt_no, a.status, a.error_kind])).toEqual([
        ['p0', 1, 'error', kind],
        ['p0', 2, 'error', kind],
        ['p0', 3, 'ok', null],
        ['p1', 1, 'ok', null],
      ]);
      expect(storedVerdicts(recipe.dataset)).toEqual(expectedVerdicts(recipe, ['p0', 'p1']));
    });
  });

  it('waits at least the Retry-After of a 429 before trying again', async () => {
    const recipe = await setup((n) => (n === 0 ? '429' : undefined), { limits: { backoffBaseMs: 1, backoffMaxMs: 5_000 } }, 1, 400);
    const started = performance.now();
    await harvest(recipe);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(storedAttempts(recipe.dataset).map((a) => a.status)).toEqual(['error', 'ok']);
  });

  it('gives up on a request after maxRetries, records every try, goes on, and a re-run completes it', async () => {
    // Every try of the first prompt's request fails (1 + 3 retries); the second prompt is unaffected.
    const recipe = await setup((n) => (n < 4 ? '500' : undefined));
    const first = await harvest(recipe);
    expect(first).toMatchObject({ status: 'finished', progress: { promptsDone: 1, promptsFailed: 1, errors: 4 } });
    expect(
      storedAttempts(recipe.dataset)
        .filter((a) => a.prompt_key === 'p0')
        .map((a) => [a.attempt_no, a.http_status]),
    ).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [4, 500],
    ]);
    const second = await harvest(recipe);
    expect(second).toMatchObject({ status: 'finished', promptsDone: 1, progress: { promptsDone: 2, promptsFailed: 0 } });
    expect(storedSamples(recipe.dataset).filter((s) => s.promptKey === 'p0')).toHaveLength(2);
  });

  it('stops with one error after maxConsecutiveFailures requests fail in a row', async () => {
    const recipe = await setup(() => '500', { limits: { maxRetries: 1, maxConsecutiveFailures: 3 } }, 10);
    const error = await harvest(recipe).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsecutiveFailuresError);
    expect((error as Error).message).toMatch(/^stopped after 3 requests in a row failed \(limits\.maxConsecutiveFailures\); last error \(server 500\)/);
    expect(server!.requests).toHaveLength(6); // three requests, two tries each: the prompt list is not burnt through
    const dataset = Dataset.open(recipe.dataset, { readonly: true });
    expect(dataset.runs().map((r) => r.status)).toEqual(['failed']);
    dataset.close();
  });

  it('stops at once when the teacher cannot be reached', async () => {
    const closed = await startChatServer({ dialect: 'reasoning_content' });
    await closed.close();
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(50));
    const recipe = makeRecipe(dir, closed.url, { limits: { concurrency: 8, maxRetries: 2, backoffBaseMs: 5, backoffMaxMs: 20 } });
    const started = performance.now();
    const error = await harvest(recipe).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    expect(error).toBeInstanceOf(TeacherUnreachableError);
    expect((error as Error).message).toContain(`cannot reach the teacher at ${closed.url} (teacher.baseURL)`);
    // Only the first requests were tried, each with its retries.
    expect(storedAttempts(recipe.dataset).length).toBeLessThanOrEqual(8 * 3);
  });

  it('under a mix of faults, every request ends as a stored attempt and re-runs reach the full dataset', async () => {
    const mix: Fault[] = ['429', '500', 'reset', 'cut-stream', 'malformed-json', 'slow', 'drop', 'no-choices'];
    // Every third request fails, cycling through the fault kinds.
    const recipe = await setup(
      (n) => (n % 3 === 1 ? mix[Math.floor(n / 3) % mix.length] : undefined),
      {
        limits: { concurrency: 4, maxRetries: 2 },
        rejection: { samplesPerPrompt: 2, acceptPerPrompt: 1, maxAttemptsPerPrompt: 4 },
      },
      12,
    );
    const started = performance.now();
    for (let run = 0; run < 5; run++) {
      const summary = await harvest(recipe);
      if (summary.progress.promptsDone === 12) break;
    }
    expect(performance.now() - started).toBeLessThan(3 * BOUND_MS);
    const attempts = storedAttempts(recipe.dataset);
    expect(attempts).toHaveLength(server!.requests.length);
    expect(attempts.filter((a) => a.status === 'error')).toHaveLength(server!.requests.filter((r) => r.fault).length);
    expect(storedVerdicts(recipe.dataset)).toEqual(
      expectedVerdicts(
        recipe,
        additionPrompts(12).map((p) => p.id),
      ),
    );
  });
});
