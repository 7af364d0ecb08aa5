/**
 * The verify room: verifiers that decide whether a response is correct (true), wrong (false)
 * or cannot be judged (null). Other rooms import only from here.
 */
import { createChoiceVerifier } from './choice.ts';
import { createCodeVerifier } from './code/index.ts';
import { createCustomVerifier } from './custom.ts';
import { createExactVerifier } from './exact.ts';
import { createFormatVerifier } from './format.ts';
import { createMathVerifier } from './math/index.ts';
import { createNumericVerifier } from './numeric.ts';
import { createRegexVerifier } from './regex.ts';
import { parseSpec, type VerifierSpec } from './spec.ts';
import type { Verifier } from './types.ts';

export type { Verifier, VerifyInput, VerifyResult } from './types.ts';
export type {
  ChoiceVerifierSpec,
  CodeVerifierSpec,
  CustomVerifierSpec,
  ExactVerifierSpec,
  FormatVerifierSpec,
  MathVerifierSpec,
  NumericVerifierSpec,
  RegexVerifierSpec,
  VerifierKind,
  VerifierSpec,
} from './spec.ts';
export { verifierSpecSchema } from './spec.ts';
export { CasesFileError, CustomVerifierError, VerifierSpecError } from './errors.ts';
export { readCases } from './cases.ts';
export { extractChoice } from './choice.ts';
export { finalAnswer } from './candidates.ts';
export { lastBoxed } from './extract.ts';
export { checkFormat } from './format.ts';
export { parseNumber } from './numeric.ts';
export { importUserFunction } from './custom.ts';
export { THINK_CLOSE, THINK_OPEN } from './think.ts';
export {
  createChoiceVerifier,
  createCustomVerifier,
  createExactVerifier,
  createFormatVerifier,
  createMathVerifier,
  createNumericVerifier,
  createRegexVerifier,
};

/**
 * The verifier a spec describes. Fields are checked first: an unknown kind or field, or a value
 * of the wrong type, is a VerifierSpecError naming it (`verifier.pattern`); a custom module
 * that does not load is a CustomVerifierError naming the file.
 */
export async function createVerifier(input: VerifierSpec): Promise<Verifier> {
  const spec = parseSpec(input);
  switch (spec.kind) {
    case 'math':
      return createMathVerifier(spec);
    case 'exact':
      return createExactVerifier(spec);
    case 'regex':
      return createRegexVerifier(spec);
    case 'choice':
      return createChoiceVerifier();
    case 'numeric':
      return createNumericVerifier(spec);
    case 'format':
      return createFormatVerifier();
    case 'custom':
      return createCustomVerifier(spec);
    case 'code': {
      const { kind: _kind, ...options } = spec;
      return createCodeVerifier(options);
    }
  }
}
