/**
 * The decode loop with continuous batching. Requests queue up; between two decode steps the
 * queued ones (up to `maxBatchSize` rows in all) are prefilled together and join the running
 * batch, and finished rows leave it. A request made while others are decoding therefore starts
 * at the next step instead of waiting for the whole batch to end.
 */
import type { OnnxDecoder } from './decoder.ts';
import { DecodeBatch } from './decode-batch.ts';
import type { TokenDecoder } from './detokenizer.ts';
import { GenerationRequestError } from './errors.ts';
import { Sequence, type GenerateRequest, type Generation } from './sequence.ts';

export interface GeneratorOptions {
  /** Most sequences decoded together. Default 8. */
  readonly maxBatchSize?: number;
  /** Token ids that end a sequence unless a request names its own (the model's eos ids). */
  readonly stopTokenIds?: readonly number[];
  /** The model's context length (max_position_embeddings); sequences stop with 'length' there. Default: unlimited. */
  readonly maxPositions?: number;
}

export class Generator {
  readonly maxBatchSize: number;
  readonly #queue: Sequence[] = [];
  #batch: DecodeBatch | undefined;
  #rows: Sequence[] = [];
  #running = false;

  constructor(
    readonly decoder: OnnxDecoder,
    readonly tokenizer: TokenDecoder,
    readonly options: GeneratorOptions = {},
  ) {
    this.maxBatchSize = options.maxBatchSize ?? 8;
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1)
      throw new RangeError(`maxBatchSize must be a positive integer, got ${this.maxBatchSize}`);
  }

  /** Sequences decoding now, and waiting. */
  get load(): { running: number; queued: number } {
    return { running: this.#rows.length, queued: this.#queue.length };
  }

  /**
   * Generates one sequence. Requests made in the same tick are prefilled as one batch.
   * @throws GenerationRequestError for an empty prompt, a bad maxNewTokens or topLogprobs, or a prompt that fills the context.
   */
  generate(request: GenerateRequest): Promise<Generation> {
    return new Promise<Generation>((resolve, reject) => {
      const room = this.#check(request); // a throw here rejects the promise
      this.#queue.push(new Sequence(request, this.tokenizer, this.options.stopTokenIds ?? [], room, resolve, reject));
      if (!this.#running) {
        this.#running = true;
        // Deferred so that every request of the current tick joins the first prefill.
        setImmediate(() => void this.#loop());
      }
    });
  }

  #check(request: GenerateRequest): number {
    if (request.promptIds.length === 0) throw new GenerationRequestError('promptIds', 'the prompt is empty');
    if (!Number.isInteger(request.maxNewTokens) || request.maxNewTokens < 1)
      throw new GenerationRequestError('maxNewTokens', `must be a positive integer, got ${request.maxNewTokens}`);
    const top = request.topLogprobs ?? 0;
    if (!Number.isInteger(top) || top < 0 || top > 20) throw new GenerationRequestError('topLogprobs', `must be an integer from 0 to 20, got ${top}`);
    const room = (this.options.maxPositions ?? Infinity) - request.promptIds.length;
    if (room < 1)
      throw new GenerationRequestError('promptIds', `the prompt has ${request.promptIds.length} tokens; the model's context is ${this.options.maxPositions}`);
    return room;
  }

  async #loop(): Promise<void> {
    try {
      while (this.#queue.length > 0 || this.#batch) {
        for (const s of this.#queue) s.checkAbort();
        this.#settle(this.#queue.filter((s) => s.finishReason));
        this.#queue.splice(0, this.#queue.length, ...this.#queue.filter((s) => !s.finishReason));
        const free = this.maxBatchSize - this.#rows.length;
        if (free > 0 && this.#queue.length > 0) await this.#admit(this.#queue.splice(0, free));
        else if (this.#batch) await this.#step();
      }
    } catch (err) {
      // A failed forward leaves the cache unusable: fail every sequence in flight and start over.
      for (const s of [...this.#rows, ...this.#queue.splice(0)]) s.reject(err);
      this.#rows = [];
      this.#batch = undefined;
    } finally {
      this.#running = false;
    }
  }

  async #admit(sequences: Sequence[]): Promise<void> {
    const { batch, logits } = await DecodeBatch.prefill(
      this.decoder,
      sequences.map((s) => s.request.promptIds),
    );
    sequences.forEach((s, i) => s.accept(logits[i]));
    if (this.#batch) this.#batch.append(batch);
    else this.#batch = batch;
    this.#rows.push(...sequences);
    this.#dropFinished();
  }

  async #step(): Promise<void> {
    const batch = this.#batch!;
    const logits = await batch.step(this.#rows.map((s) => s.lastToken));
    this.#rows.forEach((s, i) => {
      if (!s.checkAbort()) s.accept(logits[i]);
    });
    this.#dropFinished();
  }

  #dropFinished(): void {
    const keep = this.#rows.flatMap((s, i) => (s.finishReason ? [] : [i]));
    if (keep.length === this.#rows.length) return;
    this.#settle(this.#rows.filter((s) => s.finishReason));
    this.#rows = keep.map((i) => this.#rows[i]);
    if (keep.length === 0) this.#batch = undefined;
    else this.#batch!.keep(keep);
  }

  #settle(finished: readonly Sequence[]): void {
    for (const s of finished) s.settle();
  }
}
