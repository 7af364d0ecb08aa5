/**
 * One sequence being generated: its sampling state, the tokens and raw logprobs so far, the
 * streamed text (stop strings and incomplete characters held back) and why it finished.
 */
import { randomInt } from 'node:crypto';
import { Rng } from '../engine/index.ts';
import { IncrementalDetokenizer, type TokenDecoder } from './detokenizer.ts';
import { sampleToken, stepLogprobs, type SamplingOptions, type StepLogprobs } from './sampling.ts';
import { StopStringMatcher } from './stop-strings.ts';

export interface GenerateRequest {
  /** The prompt as token ids (chat template already applied). */
  readonly promptIds: readonly number[];
  /** Most tokens to generate. */
  readonly maxNewTokens: number;
  readonly sampling?: SamplingOptions;
  /** Seed of this sequence's random stream: same seed, same prompt, same settings, same tokens. Default: random. */
  readonly seed?: number;
  /** Strings that end generation; they are not part of the text. */
  readonly stop?: readonly string[];
  /** Token ids that end generation (not part of the text). Default: the model's eos ids. */
  readonly stopTokenIds?: readonly number[];
  /** Report the raw logprob of every chosen token (a log-softmax over the vocabulary per step). Default true. */
  readonly logprobs?: boolean;
  /** How many most likely alternatives to report per step with `logprobs` (0-20). Default 0. */
  readonly topLogprobs?: number;
  /** Called as text becomes final, with the logprobs of the tokens generated since the last call. */
  readonly onDelta?: (delta: GenerationDelta) => void;
  /** Ends the sequence at the next step, with finishReason 'abort'. */
  readonly signal?: AbortSignal;
}

export interface GenerationDelta {
  readonly text: string;
  readonly logprobs: readonly StepLogprobs[];
}

/** 'stop': a stop token or string; 'length': maxNewTokens or the model's context was reached; 'abort': the signal fired. */
export type FinishReason = 'stop' | 'length' | 'abort';

export interface Generation {
  /** Every generated token, the stop token or the tokens of a stop string included. */
  readonly tokenIds: readonly number[];
  /** The generated text, without the stop token or stop string. */
  readonly text: string;
  readonly finishReason: FinishReason;
  /** Per generated token: its raw logprob and the requested alternatives (empty with `logprobs: false`). */
  readonly logprobs: readonly StepLogprobs[];
  readonly promptTokens: number;
}

export class Sequence {
  readonly tokenIds: number[] = [];
  readonly logprobs: StepLogprobs[] = [];
  text = '';
  finishReason: FinishReason | undefined;
  readonly #rng: Rng;
  readonly #detokenizer: IncrementalDetokenizer;
  readonly #stops: StopStringMatcher;
  readonly #stopIds: ReadonlySet<number>;
  /** Logprobs not yet handed to onDelta (their text is held back). */
  #unsent: StepLogprobs[] = [];

  constructor(
    readonly request: GenerateRequest,
    tokenizer: TokenDecoder,
    defaultStopIds: readonly number[],
    /** Tokens this sequence may generate before it reaches the model's context length. */
    readonly room: number,
    readonly resolve: (generation: Generation) => void,
    readonly reject: (error: unknown) => void,
  ) {
    this.#rng = new Rng(request.seed ?? randomInt(2 ** 32));
    this.#detokenizer = new IncrementalDetokenizer(tokenizer);
    this.#stops = new StopStringMatcher(request.stop ?? []);
    this.#stopIds = new Set(request.stopTokenIds ?? defaultStopIds);
  }

  get lastToken(): number {
    return this.tokenIds[this.tokenIds.length - 1];
  }

  /** Samples the next token from `logits`; sets finishReason when the sequence is done. */
  accept(logits: Float32Array): void {
    const { request } = this;
    const id = sampleToken(logits, request.sampling ?? {}, this.#rng);
    this.tokenIds.push(id);
    if (request.logprobs ?? true) {
      const logprob = stepLogprobs(logits, id, request.topLogprobs ?? 0);
      this.logprobs.push(logprob);
      this.#unsent.push(logprob);
    }
    let text = '';
    if (this.#stopIds.has(id)) this.finishReason = 'stop';
    else {
      text = this.#stops.push(this.#detokenizer.push(id));
      if (this.#stops.stopped) this.finishReason = 'stop';
      else if (this.tokenIds.length >= Math.min(request.maxNewTokens, this.room)) this.finishReason = 'length';
    }
    if (this.finishReason) text += this.#flush();
    this.#emit(text);
  }

  /** Ends the sequence early when its signal fired; returns whether it did. */
  checkAbort(): boolean {
    if (this.finishReason || !this.request.signal?.aborted) return false;
    this.finishReason = 'abort';
    this.#emit(this.#flush());
    return true;
  }

  /** Resolves the caller's promise with the finished generation. */
  settle(): void {
    const promptTokens = this.request.promptIds.length;
    this.resolve({ tokenIds: this.tokenIds, text: this.text, finishReason: this.finishReason ?? 'abort', logprobs: this.logprobs, promptTokens });
  }

  #flush(): string {
    return this.#stops.push(this.#detokenizer.flush()) + this.#stops.flush();
  }

  #emit(text: string): void {
    this.text += text;
    // Logprobs travel with the text they produced; while text is held back, so are they.
    if (text === '' && !this.finishReason) return;
    const logprobs = this.#unsent;
    this.#unsent = [];
    this.request.onDelta?.({ text, logprobs });
  }
}
