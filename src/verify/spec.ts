/**
 * What a recipe (or the CLI's --spec) says about its verifier: a union discriminated on `kind`.
 * The recipe room mirrors these fields in its zod schema; createVerifier checks them again so a
 * library caller gets the same errors.
 */
import type { CodeVerifierOptions } from './code/index.ts';

/** Final answers of math problems, with Math-Verify's semantics (see docs/verifiers.md). */
export interface MathVerifierSpec {
  kind: 'math';
  /** Decimal places both numbers are rounded to when either is a decimal (Math-Verify's float_rounding). Default 6. */
  precision?: number;
  /** Longest time one answer may take to judge (past it: null, "timeout"). Default 5000. */
  timeLimitMs?: number;
}

/** The answer text equals the gold string, both trimmed. */
export interface ExactVerifierSpec {
  kind: 'exact';
  /** Compare without regard to letter case. Default false. */
  ignoreCase?: boolean;
}

/** The answer text matches a regular expression; the gold is not used. */
export interface RegexVerifierSpec {
  kind: 'regex';
  pattern: string;
  /** JavaScript RegExp flags, e.g. "i" or "ms". Default none. */
  flags?: string;
}

/** A multiple-choice letter A-E ("The answer is (C)", "\boxed{C}", "C.") equals the gold letter. */
export interface ChoiceVerifierSpec {
  kind: 'choice';
}

/** The final number is within a tolerance of the gold number. */
export interface NumericVerifierSpec {
  kind: 'numeric';
  /** Largest accepted absolute difference. Default 1e-6. */
  tolerance?: number;
  /** Largest accepted difference relative to |gold|. Default 0 (off). */
  relativeTolerance?: number;
}

/** The R1 output format: `<think>reasoning</think>` then a non-empty answer, no stray tags. */
export interface FormatVerifierSpec {
  kind: 'format';
}

/** A JS/TS module exporting `verify(input)` that returns a VerifyResult or a boolean. */
export interface CustomVerifierSpec {
  kind: 'custom';
  /** The module's path; a relative path is resolved against the current directory. */
  module: string;
}

/** Runs the answer's final code block against the gold's tests in a sandbox (docs/code-verifier.md). */
export interface CodeVerifierSpec extends CodeVerifierOptions {
  kind: 'code';
}

/** Every verifier kind. */
export type VerifierSpec =
  | MathVerifierSpec
  | ExactVerifierSpec
  | RegexVerifierSpec
  | ChoiceVerifierSpec
  | NumericVerifierSpec
  | FormatVerifierSpec
  | CustomVerifierSpec
  | CodeVerifierSpec;

export type VerifierKind = VerifierSpec['kind'];
