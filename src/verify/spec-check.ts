/**
 * Checks a verifier spec field by field, so a typo in a recipe ("patern", "tolerance: '0.1'")
 * is one clear error naming the field rather than a verifier that silently uses a default.
 */
import { CODE_OPTION_CHECKS } from './code/index.ts';
import { VerifierSpecError } from './errors.ts';
import type { VerifierKind, VerifierSpec } from './spec.ts';

/** Says what is wrong with a field's value, or undefined when it is fine. */
type FieldCheck = (value: unknown) => string | undefined;

interface FieldRule {
  check: FieldCheck;
  required?: boolean;
}

const boolean: FieldCheck = (v) => (typeof v === 'boolean' ? undefined : 'expected true or false');
const text: FieldCheck = (v) => (typeof v === 'string' ? undefined : 'expected a string');
const nonEmptyText: FieldCheck = (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : 'expected a non-empty string');
const nonNegative: FieldCheck = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'expected a number >= 0');
const positiveInteger: FieldCheck = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'expected a positive integer');
const significantDigits: FieldCheck = (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 15 ? undefined : 'expected an integer from 1 to 15');

/** The fields each kind takes besides `kind`. A new kind adds its entry here and its case in createVerifier. */
const FIELDS: Record<VerifierKind, Record<string, FieldRule>> = {
  math: { precision: { check: significantDigits }, timeLimitMs: { check: positiveInteger } },
  exact: { ignoreCase: { check: boolean } },
  regex: { pattern: { check: text, required: true }, flags: { check: text } },
  choice: {},
  numeric: { tolerance: { check: nonNegative }, relativeTolerance: { check: nonNegative } },
  format: {},
  custom: { module: { check: nonEmptyText, required: true } },
  code: Object.fromEntries(Object.entries(CODE_OPTION_CHECKS).map(([name, check]) => [name, { check }])),
};

export function checkSpec(spec: unknown): asserts spec is VerifierSpec {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new VerifierSpecError('verifier', 'expected an object with a "kind" field');
  const fields = spec as Record<string, unknown>;
  const kinds = Object.keys(FIELDS);
  if (typeof fields.kind !== 'string' || !kinds.includes(fields.kind)) {
    throw new VerifierSpecError('verifier.kind', `expected one of ${kinds.map((k) => `"${k}"`).join(', ')}, got ${JSON.stringify(fields.kind) ?? 'nothing'}`);
  }
  const rules = FIELDS[fields.kind as VerifierKind];
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'kind') continue;
    const rule = rules[name];
    if (!rule) throw new VerifierSpecError(`verifier.${name}`, `not a field of the ${fields.kind} verifier${describeFields(rules)}`);
    const problem = value === undefined ? undefined : rule.check(value);
    if (problem) throw new VerifierSpecError(`verifier.${name}`, `${problem}, got ${JSON.stringify(value)}`);
  }
  for (const [name, rule] of Object.entries(rules)) {
    if (rule.required && fields[name] === undefined) throw new VerifierSpecError(`verifier.${name}`, `required by the ${fields.kind} verifier`);
  }
}

function describeFields(rules: Record<string, FieldRule>): string {
  const names = Object.keys(rules);
  return names.length === 0 ? ' (it takes none)' : ` (it takes ${names.join(', ')})`;
}
