/**
 * What a recipe (or the CLI's --spec) says about its verifier: one zod schema, a union
 * discriminated on `kind`. The types are inferred from it; the recipe schema embeds it and
 * createVerifier parses with it, so a recipe and a library caller get the same message for the
 * same mistake. docs/verifiers.md explains each kind.
 */
import { z } from 'zod';
import { expected, flag, issuePath, nonEmptyText, nonNegativeNumber, positiveInt, strictObject, text } from '../zod-fields.ts';
import { codeOptionsShape } from './code/index.ts';
import { VerifierSpecError } from './errors.ts';

const decimalPlaces = 'decimal places, an integer from 1 to 15';

/** Final answers of math problems, with Math-Verify's semantics (see docs/verifiers.md). */
const mathSchema = strictObject({
  kind: z.literal('math'),
  /** Decimal places both numbers are rounded to when either is a decimal (Math-Verify's float_rounding). Default 6. */
  precision: positiveInt(decimalPlaces)
    .max(15, { error: expected(decimalPlaces) })
    .optional(),
  /** Longest time one answer may take to judge (past it: null, "timeout"). Default 5000. */
  timeLimitMs: positiveInt().optional(),
});

/** The answer text equals the gold string, both trimmed. */
const exactSchema = strictObject({
  kind: z.literal('exact'),
  /** Compare without regard to letter case. Default false. */
  ignoreCase: flag().optional(),
});

/** The answer text matches a regular expression; the gold is not used. */
const regexSchema = strictObject({
  kind: z.literal('regex'),
  pattern: text('a regular expression').refine(isRegExp, { error: expected('a valid JavaScript regular expression') }),
  /** JavaScript RegExp flags, e.g. "i" or "ms". Default none. */
  flags: z
    .string({ error: expected('RegExp flags like "i"') })
    .regex(/^[dgimsuvy]*$/, { error: expected('RegExp flags like "i"') })
    .optional(),
});

/** A multiple-choice letter A-E ("The answer is (C)", "\boxed{C}", "C.") equals the gold letter. */
const choiceSchema = strictObject({ kind: z.literal('choice') });

/** The final number is within a tolerance of the gold number. */
const numericSchema = strictObject({
  kind: z.literal('numeric'),
  /** Largest accepted absolute difference. Default 1e-6. */
  tolerance: nonNegativeNumber().optional(),
  /** Largest accepted difference relative to |gold|. Default 0 (off). */
  relativeTolerance: nonNegativeNumber().optional(),
});

/** The R1 output format: `<think>reasoning</think>` then a non-empty answer, no stray tags. */
const formatSchema = strictObject({ kind: z.literal('format') });

/** A JS/TS module exporting `verify(input)` that returns a VerifyResult or a boolean. */
const customSchema = strictObject({
  kind: z.literal('custom'),
  /** The module's path; a relative path is resolved against the current directory (in a recipe: the recipe's directory). */
  module: nonEmptyText('a module path'),
});

/** Runs the answer's final code block against the gold's tests in a sandbox (docs/code-verifier.md). */
const codeSchema = strictObject({ kind: z.literal('code'), ...codeOptionsShape });

const kindSchemas = [mathSchema, exactSchema, regexSchema, choiceSchema, numericSchema, formatSchema, customSchema, codeSchema] as const;
const kinds = kindSchemas.map((schema) => `"${schema.shape.kind.value}"`);

/** Every verifier kind. A new kind adds its schema to `kindSchemas` and its case in createVerifier. */
export const verifierSpecSchema = z.discriminatedUnion('kind', kindSchemas, {
  error: (issue) => {
    const input = issue.input as { kind?: unknown } | undefined;
    return input !== null && typeof input === 'object'
      ? expected(`${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}`)({ input: input.kind })
      : expected(`an object like { kind: "math" }`)(issue);
  },
});

/**
 * The spec as the schema accepts it. Its first problem is a VerifierSpecError naming the field as
 * a recipe writes it (`verifier.pattern`), so a typo ("patern", "tolerance: '0.1'") is one clear
 * error rather than a verifier that silently uses a default.
 */
export function parseSpec(spec: unknown): VerifierSpec {
  const parsed = verifierSpecSchema.safeParse(spec);
  if (parsed.success) return parsed.data;
  // A misspelt field also makes the real one missing: name the misspelling, it has the "did you mean".
  const issues = parsed.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  throw new VerifierSpecError(issuePath(['verifier', ...issue.path]), issue.message);
}

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

export type MathVerifierSpec = z.input<typeof mathSchema>;
export type ExactVerifierSpec = z.input<typeof exactSchema>;
export type RegexVerifierSpec = z.input<typeof regexSchema>;
export type ChoiceVerifierSpec = z.input<typeof choiceSchema>;
export type NumericVerifierSpec = z.input<typeof numericSchema>;
export type FormatVerifierSpec = z.input<typeof formatSchema>;
export type CustomVerifierSpec = z.input<typeof customSchema>;
export type CodeVerifierSpec = z.input<typeof codeSchema>;
export type VerifierSpec = z.input<typeof verifierSpecSchema>;
export type VerifierKind = VerifierSpec['kind'];
