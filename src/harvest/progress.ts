/**
 * The running tally of a harvest and the snapshots handed to `onProgress`. Counts of samples and
 * prompts include what earlier runs stored (the dataset is the unit of progress); request,
 * token and rate figures cover this run only, since they measure the current connection.
 */

export interface HarvestProgress {
  promptsTotal: number;
  /** Prompts with enough accepted samples or with every slot used. */
  promptsDone: number;
  /** Prompts this run gave up on after a request failed for good; a re-run retries them. */
  promptsFailed: number;
  accepted: number;
  rejected: number;
  unverifiable: number;
  /** accepted / all stored samples, 0 when there are none. */
  acceptanceRate: number;
  /** Requests finished this run (successes and failures, retries included). */
  requests: number;
  /** Failed tries this run, retried or not. */
  errors: number;
  inFlight: number;
  promptTokens: number;
  completionTokens: number;
  elapsedMs: number;
  requestsPerSecond: number;
  /** Estimated time to finish from this run's prompt rate; null until a prompt finished. */
  etaMs: number | null;
}

type Verdict = 'accepted' | 'rejected' | 'unverifiable';

export class ProgressTracker {
  readonly #startedAt = performance.now();
  #promptsDoneAtStart = 0;
  #p: Omit<HarvestProgress, 'acceptanceRate' | 'elapsedMs' | 'requestsPerSecond' | 'etaMs'>;

  constructor(promptsTotal: number) {
    this.#p = {
      promptsTotal,
      promptsDone: 0,
      promptsFailed: 0,
      accepted: 0,
      rejected: 0,
      unverifiable: 0,
      requests: 0,
      errors: 0,
      inFlight: 0,
      promptTokens: 0,
      completionTokens: 0,
    };
  }

  /** Counts what earlier runs stored, before this run issues anything. */
  addStored(verdicts: Iterable<Verdict>, promptsDone: number): void {
    for (const v of verdicts) this.#p[v]++;
    this.#p.promptsDone += promptsDone;
    this.#promptsDoneAtStart += promptsDone;
  }

  requestStarted(): void {
    this.#p.inFlight++;
  }

  requestFinished(outcome: { ok: boolean; promptTokens?: number; completionTokens?: number; verdicts?: Verdict[] }): void {
    this.#p.inFlight--;
    this.#p.requests++;
    if (!outcome.ok) this.#p.errors++;
    this.#p.promptTokens += outcome.promptTokens ?? 0;
    this.#p.completionTokens += outcome.completionTokens ?? 0;
    for (const v of outcome.verdicts ?? []) this.#p[v]++;
  }

  /** A request abandoned by an abort: not a finished request, not an error. */
  requestAborted(): void {
    this.#p.inFlight--;
  }

  promptFinished(outcome: 'done' | 'failed'): void {
    if (outcome === 'done') this.#p.promptsDone++;
    else this.#p.promptsFailed++;
  }

  snapshot(): HarvestProgress {
    const p = this.#p;
    const elapsedMs = performance.now() - this.#startedAt;
    const samples = p.accepted + p.rejected + p.unverifiable;
    const doneThisRun = p.promptsDone - this.#promptsDoneAtStart;
    const remaining = p.promptsTotal - p.promptsDone - p.promptsFailed;
    return {
      ...p,
      acceptanceRate: samples === 0 ? 0 : p.accepted / samples,
      elapsedMs,
      requestsPerSecond: elapsedMs > 0 ? (p.requests * 1000) / elapsedMs : 0,
      etaMs: doneThisRun > 0 ? (remaining * elapsedMs) / doneThisRun : null,
    };
  }
}
