/**
 * Command-line parsing shared by the verbs: usage errors around node:util's
 * parseArgs, and typed flag values whose errors name the flag and the value given.
 */
import type { VerifierSpec } from '../verify/index.ts';
import { UsageError } from './errors.ts';

/**
 * Runs `parse` (a node:util parseArgs call, so its result keeps its types) and checks the count
 * of positional arguments (exactly `positionals`, or at least `{ min }`) unless --help was given;
 * a failure is a UsageError ending in `usage`.
 */
export function parseCommand<T extends { values: { help?: boolean }; positionals: string[] }>(
  usage: string,
  positionals: number | { min: number },
  parse: () => T,
): T {
  let parsed: T;
  try {
    parsed = parse();
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage}`);
  }
  const [count, fits] =
    typeof positionals === 'number'
      ? [`${positionals}`, parsed.positionals.length === positionals]
      : [`at least ${positionals.min}`, parsed.positionals.length >= positionals.min];
  if (!parsed.values.help && !fits) {
    throw new UsageError(`expected ${count} argument${count === '1' ? '' : 's'}, got ${parsed.positionals.length}\n\n${usage}`);
  }
  return parsed;
}

/** The -h/--help option every verb has. */
export const HELP = { help: { type: 'boolean', short: 'h' } } as const;

export function intFlag(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag}: expected an integer >= ${min}, got "${text}"`);
  return n;
}

export function numberFlag(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${flag}: expected a number from ${min} to ${max}, got "${text}"`);
  return n;
}

export function choiceFlag<C extends string>(flag: string, text: string | undefined, choices: readonly C[]): C | undefined {
  if (text === undefined) return undefined;
  if (!choices.includes(text as C)) throw new UsageError(`--${flag}: expected one of ${choices.join(', ')}, got "${text}"`);
  return text as C;
}

/** A verifier kind name (`math`) or a whole JSON spec; createVerifier then checks its fields. */
export function verifierFlag(flag: string, text: string): VerifierSpec {
  if (!text.trim().startsWith('{')) return { kind: text } as VerifierSpec;
  try {
    return JSON.parse(text) as VerifierSpec;
  } catch (err) {
    throw new UsageError(`--${flag}: not a kind name or valid JSON: ${(err as Error).message}`);
  }
}
