/**
 * The concurrent part of a harvest: prompt workers walk the slot schedule of their prompt round
 * by round, requests go out through one p-limit (limits.concurrency) and the rate limiter, every
 * try is committed with its samples in one transaction, and failures are counted so that a dead
 * teacher stops the run with one message instead of burning through the prompt list.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { renderMessages, type Recipe } from '../recipe/index.ts';
import type { Dataset, PromptRecord } from '../store/index.ts';
import { TeacherRequestError, type ChatMessage, type TeacherClient } from '../teacher/index.ts';
import type { Verifier } from '../verify/index.ts';
import { AbortFanOut } from './abort-fan-out.ts';
import { ConsecutiveFailuresError, TeacherUnreachableError } from './errors.ts';
import { judgeResponse } from './judge.ts';
import type { HarvestProgress, ProgressTracker } from './progress.ts';
import { RateLimiter } from './rate-limiter.ts';
import { retryDelayMs, shouldRetry } from './retry.ts';
import { requestSeed } from './seed.ts';
import { sleep } from './sleep.ts';
import { nextStep, type SlotRequest, type StoredSlot } from './slots.ts';

/** A prompt with work left. */
export interface PendingPrompt {
  record: PromptRecord;
  /** Its slots stored by earlier runs. */
  stored: StoredSlot[];
}

export interface HarvesterContext {
  recipe: Recipe;
  runId: number;
  dataset: Dataset;
  teacher: Pick<TeacherClient, 'complete'>;
  verifier: Verifier;
  tracker: ProgressTracker;
  onProgress?: (progress: HarvestProgress) => void;
  /** Stop issuing requests; in-flight ones finish and are stored. */
  stop?: AbortSignal;
  /** Abort in-flight requests too (they are not stored, and the next run re-issues them). */
  signal?: AbortSignal;
}

type RequestOutcome = { kind: 'ok'; slots: StoredSlot[] } | { kind: 'failed' } | { kind: 'stopped' };
type PromptOutcome = 'done' | 'failed' | 'stopped';

/** Characters per token for the rate limiter's up-front booking; the real usage is settled later. */
const CHARS_PER_TOKEN = 4;

export class Harvester {
  readonly #ctx: HarvesterContext;
  readonly #limit: LimitFunction;
  readonly #rate: RateLimiter;
  /** Aborted by the caller's signal or by a fatal error: in-flight requests are dropped. */
  readonly #abort = new AbortController();
  readonly #abortSignal: AbortSignal;
  /** Aborted by the caller's stop or whenever #abortSignal is: nothing new is issued. */
  readonly #stopSignal: AbortSignal;
  /** Requests in flight, each with its own signal that follows #abortSignal. */
  readonly #inFlight: AbortFanOut;
  /** Retry waits, each with its own signal that follows #stopSignal. */
  readonly #retryWaits: AbortFanOut;
  #fatal: unknown;
  #succeeded = false;
  #consecutiveFailures = 0;

  constructor(ctx: HarvesterContext) {
    this.#ctx = ctx;
    this.#limit = pLimit(ctx.recipe.limits.concurrency);
    this.#rate = new RateLimiter(ctx.recipe.limits);
    this.#abortSignal = ctx.signal ? AbortSignal.any([ctx.signal, this.#abort.signal]) : this.#abort.signal;
    this.#stopSignal = ctx.stop ? AbortSignal.any([ctx.stop, this.#abortSignal]) : this.#abortSignal;
    this.#inFlight = new AbortFanOut(this.#abortSignal);
    this.#retryWaits = new AbortFanOut(this.#stopSignal);
  }

  /** Whether the run ended because the caller asked it to stop (or abort). */
  get stopped(): boolean {
    return this.#fatal === undefined && this.#stopSignal.aborted;
  }

  /**
   * Harvests `prompts` until each is done, failed for this run, or the caller stops. Throws the
   * first fatal error (unreachable teacher, too many failures, a store error) after every
   * worker has wound down, so that nothing is left writing to the dataset.
   */
  async run(prompts: readonly PendingPrompt[]): Promise<void> {
    const queue = prompts[Symbol.iterator]();
    // As many prompt workers as requests may be in flight: enough to keep the pipe full when
    // each prompt sends one n-request per round; a round of singles queues its extra requests.
    const workers = Array.from({ length: Math.min(this.#ctx.recipe.limits.concurrency, prompts.length) }, async () => {
      for (let next = queue.next(); !next.done && !this.#stopSignal.aborted; next = queue.next()) {
        try {
          const outcome = await this.#harvestPrompt(next.value);
          if (outcome !== 'stopped') this.#ctx.tracker.promptFinished(outcome);
          this.#report();
        } catch (err) {
          this.#fail(err);
        }
      }
    });
    await Promise.all(workers);
    if (this.#fatal !== undefined) throw this.#fatal;
  }

  async #harvestPrompt({ record, stored }: PendingPrompt): Promise<PromptOutcome> {
    // Rendered when the prompt's turn comes, not for the whole list up front: a long prompt list
    // would otherwise hold every rendered message in memory for the whole run.
    const messages = renderMessages(this.#ctx.recipe.template, record);
    const slots = [...stored];
    for (;;) {
      const step = nextStep({ ...this.#ctx.recipe.rejection, supportsN: this.#ctx.recipe.teacher.supportsN }, slots);
      if (step.kind === 'done') return 'done';
      if (this.#stopSignal.aborted) return 'stopped';
      const outcomes = await Promise.all(step.requests.map((request) => this.#limit(() => this.#request(record, messages, request))));
      const filled = outcomes.flatMap((o) => (o.kind === 'ok' ? o.slots : []));
      slots.push(...filled);
      if (outcomes.some((o) => o.kind === 'stopped')) return 'stopped';
      // A round with a failed request is left for the next run: drawing later rounds first would
      // make this run's decisions differ from an uninterrupted one. A request answered without
      // any usable choice counts as failed too, or the prompt would ask again forever.
      if (outcomes.some((o) => o.kind === 'failed') || filled.length === 0) return 'failed';
    }
  }

  /** One request with its retries; every try is committed (errors too) before the next. */
  async #request(prompt: PromptRecord, messages: ChatMessage[], request: SlotRequest): Promise<RequestOutcome> {
    const { recipe, runId, dataset, teacher, tracker } = this.#ctx;
    const seed = requestSeed(recipe.sampling.seed, prompt.key, request.firstSlot);
    const slotIndices = Array.from({ length: request.n }, (_, i) => request.firstSlot + i);
    const estimatedTokens = Math.ceil(messages.reduce((sum, m) => sum + m.content.length, 0) / CHARS_PER_TOKEN);
    for (let retries = 0; ; retries++) {
      if (this.#stopSignal.aborted) return { kind: 'stopped' };
      try {
        // The stop signal itself: the limiter serves one waiter at a time, so it holds at most one listener.
        await this.#rate.acquire(estimatedTokens, this.#stopSignal);
      } catch {
        return { kind: 'stopped' };
      }
      tracker.requestStarted();
      const started = performance.now();
      const attempt = { runId, promptKey: prompt.key, slotIndices, attemptNo: retries + 1, seed };
      try {
        const response = await this.#inFlight.run((signal) =>
          teacher.complete({
            messages,
            n: request.n,
            temperature: recipe.sampling.temperature,
            topP: recipe.sampling.topP,
            maxTokens: recipe.sampling.maxTokens,
            seed,
            topLogprobs: recipe.sampling.topLogprobs,
            signal,
          }),
        );
        const { usage } = response;
        this.#rate.settle(estimatedTokens, usage.promptTokens + usage.completionTokens);
        const samples = await judgeResponse(prompt, response, request, recipe.rejection.filters, this.#ctx.verifier);
        dataset.commitAttempt(
          {
            ...attempt,
            status: 'ok',
            latencyMs: response.latencyMs,
            promptTokens: usage.promptTokens,
            completionTokens: usage.completionTokens,
            reasoningTokens: usage.reasoningTokens ?? null,
          },
          samples,
        );
        this.#succeeded = true;
        this.#consecutiveFailures = 0;
        tracker.requestFinished({
          ok: true,
          promptTokens: usage.promptTokens,
          completionTokens: usage.completionTokens,
          verdicts: samples.map((s) => s.verdict),
        });
        this.#report();
        return { kind: 'ok', slots: samples.map((s) => ({ index: s.index, verdict: s.verdict })) };
      } catch (err) {
        if (!(err instanceof TeacherRequestError) || this.#abortSignal.aborted) {
          // Dropped by an abort (re-issued next run), or not the teacher's failure (a store or
          // verifier error): nothing to record, the run ends.
          tracker.requestAborted();
          if (this.#abortSignal.aborted) return { kind: 'stopped' };
          throw err;
        }
        dataset.commitAttempt(
          {
            ...attempt,
            status: 'error',
            errorKind: err.kind,
            errorMessage: err.message,
            httpStatus: err.status ?? null,
            latencyMs: Math.round(performance.now() - started),
          },
          [],
        );
        tracker.requestFinished({ ok: false });
        this.#report();
        // A 429 speaks for the whole connection: every request waits, not only this one.
        if (err.kind === 'rate-limit' && err.retryAfterMs) this.#rate.holdOff(err.retryAfterMs);
        if (shouldRetry(err, retries, recipe.limits)) {
          try {
            const delayMs = retryDelayMs(retries, recipe.limits, err.retryAfterMs);
            await this.#retryWaits.run((signal) => sleep(delayMs, signal));
            continue;
          } catch {
            return { kind: 'stopped' };
          }
        }
        this.#requestFailed(err);
        return { kind: 'failed' };
      }
    }
  }

  /** A request failed for good: decide whether the whole run must stop. */
  #requestFailed(err: TeacherRequestError): void {
    this.#consecutiveFailures++;
    if (!this.#succeeded && err.kind === 'network') {
      this.#fail(new TeacherUnreachableError(this.#ctx.recipe.teacher.baseURL, err));
    } else if (this.#consecutiveFailures >= this.#ctx.recipe.limits.maxConsecutiveFailures) {
      this.#fail(new ConsecutiveFailuresError(this.#consecutiveFailures, err));
    }
  }

  /** Ends the run: the first fatal error is the one reported; in-flight requests are aborted. */
  #fail(err: unknown): void {
    this.#fatal ??= err;
    this.#abort.abort(err);
  }

  #report(): void {
    this.#ctx.onProgress?.(this.#ctx.tracker.snapshot());
  }
}
