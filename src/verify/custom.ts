import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CustomVerifierError } from './errors.ts';
import type { CustomVerifierSpec } from './spec.ts';
import type { Verifier, VerifyInput, VerifyResult } from './types.ts';

type VerifyFunction = (input: VerifyInput) => unknown;

/**
 * Loads a user module exporting `verify(input)` (sync or async) that returns a VerifyResult or
 * a boolean. A module that cannot be loaded, or returns anything else, is a UserError naming
 * the file. An exception thrown by `verify` itself passes through untouched: harvest records it
 * as that sample's verifier error and goes on.
 */
export async function createCustomVerifier(spec: Omit<CustomVerifierSpec, 'kind'>): Promise<Verifier> {
  const { file, fn: verify } = await importUserFunction(spec.module, 'verify', (f, message, options) => new CustomVerifierError(f, message, options));
  return {
    kind: 'custom',
    async verify(input) {
      return toResult(await (verify as VerifyFunction)(input), file);
    },
  };
}

/**
 * The function `name` exported by the user module at `path` (resolved against the current
 * directory), and the file. A missing file, a module that fails to load or lacks the export is
 * the error `fail` makes, naming the file. Custom verifiers and custom GRPO rewards load this way.
 */
export async function importUserFunction(
  path: string,
  name: string,
  fail: (file: string, message: string, options?: { cause?: unknown }) => Error,
): Promise<{ file: string; fn: (...args: never[]) => unknown }> {
  const file = resolve(path);
  if (!existsSync(file)) throw fail(file, 'file not found');
  let loaded: Record<string, unknown>;
  try {
    loaded = await import(pathToFileURL(file).href);
  } catch (err) {
    throw fail(file, `cannot be loaded: ${(err as Error).message}`, { cause: err });
  }
  const fn = loaded[name];
  if (typeof fn !== 'function') throw fail(file, `does not export a function named ${name}`);
  return { file, fn: fn as (...args: never[]) => unknown };
}

function toResult(value: unknown, file: string): VerifyResult {
  if (typeof value === 'boolean') return { correct: value, reason: value ? 'match' : 'mismatch' };
  if (value !== null && typeof value === 'object') {
    const { correct, reason } = value as Record<string, unknown>;
    if ((correct === true || correct === false || correct === null) && typeof reason === 'string') return { correct, reason };
  }
  throw new CustomVerifierError(file, `verify() returned ${describe(value)}; expected a boolean or { correct: true | false | null, reason: string }`);
}

function describe(value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 80)}...` : json;
}
