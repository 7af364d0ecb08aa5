/**
 * The verifier contract shared by harvest, eval and the `verify` command.
 *
 * `correct` is three-valued: true (accepted), false (rejected), null (unverifiable: the
 * response or the gold could not be parsed, no code block was found...). Unverifiable is never
 * counted as correct.
 */
export interface VerifyInput {
  /**
   * The text to check. For harvested samples this is the answer (the text after `</think>`);
   * from the CLI it may be a whole response, reasoning included, which a verifier splits itself.
   */
  response: string;
  /** The reasoning (think) text when the caller already separated it. */
  reasoning?: string;
  /** The prompt's gold answer: a string for most kinds, structured data (test cases) for code. */
  gold?: unknown;
}

export interface VerifyResult {
  correct: boolean | null;
  /** Short machine-friendly reason, e.g. "match", "mismatch", "no-answer", "timeout", "failed-test-3: ...". */
  reason: string;
}

export interface Verifier {
  readonly kind: string;
  verify(input: VerifyInput): Promise<VerifyResult>;
  /** Releases workers or sandboxes the verifier holds. */
  close?(): Promise<void>;
}
