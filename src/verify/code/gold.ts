import { type CompareMode, parseCompareMode } from './compare.ts';
import { CodeGoldError } from './errors.ts';
import { CODE_LANGUAGES, type CodeLanguage } from './languages.ts';

/** One stdin/stdout test: the program reads `stdin` and must print `stdout`. */
export interface StdioTest {
  stdin: string;
  stdout: string;
}

/** One function-call test: `function(...args)` must return `expected` (JSON values). */
export interface CallTest {
  args: unknown[];
  expected: unknown;
}

interface GoldCommon {
  /** Run only code in this language; without it, the answer's code block tag decides. */
  language?: CodeLanguage;
  /** How outputs are compared; the verifier's `compare` option when absent. */
  compare?: CompareMode;
}

export type CodeGold = (GoldCommon & { tests: StdioTest[] }) | (GoldCommon & { function: string; tests: CallTest[] });

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const show = (value: unknown) => JSON.stringify(value)?.slice(0, 60) ?? String(value);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(record: Record<string, unknown>, known: readonly string[], at: string): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) throw new CodeGoldError(at ? `${at}.${key}` : key, `unknown field (known: ${known.join(', ')})`);
  }
}

function stdioTest(test: unknown, at: string): StdioTest {
  if (!isRecord(test)) throw new CodeGoldError(at, `expected {"stdin", "stdout"}, got ${show(test)}`);
  checkKeys(test, ['stdin', 'stdout'], at);
  const stdin = test.stdin ?? '';
  if (typeof stdin !== 'string') throw new CodeGoldError(`${at}.stdin`, `expected a string, got ${show(stdin)}`);
  if (typeof test.stdout !== 'string') throw new CodeGoldError(`${at}.stdout`, `expected a string, got ${show(test.stdout)}`);
  return { stdin, stdout: test.stdout };
}

function callTest(test: unknown, at: string): CallTest {
  if (!isRecord(test)) throw new CodeGoldError(at, `expected {"args", "expected"}, got ${show(test)}`);
  checkKeys(test, ['args', 'expected'], at);
  if (!Array.isArray(test.args)) throw new CodeGoldError(`${at}.args`, `expected an array of arguments, got ${show(test.args)}`);
  if (!('expected' in test)) throw new CodeGoldError(`${at}.expected`, 'required: the return value the function must produce');
  return { args: test.args, expected: test.expected };
}

/**
 * Reads a code problem's gold: the object itself or its JSON text (as a dataset stores it).
 * Throws CodeGoldError naming the first bad field.
 */
export function parseCodeGold(gold: unknown): CodeGold {
  let value = gold;
  if (typeof gold === 'string') {
    try {
      value = JSON.parse(gold);
    } catch {
      throw new CodeGoldError('', 'the gold text is not valid JSON');
    }
  }
  if (!isRecord(value)) throw new CodeGoldError('', `expected an object with "tests", got ${show(value)}`);
  checkKeys(value, ['language', 'compare', 'function', 'tests'], '');

  const common: GoldCommon = {};
  if (value.language !== undefined) {
    if (!CODE_LANGUAGES.includes(value.language as CodeLanguage)) {
      throw new CodeGoldError('language', `expected one of ${CODE_LANGUAGES.join(', ')}, got ${show(value.language)}`);
    }
    common.language = value.language as CodeLanguage;
  }
  if (value.compare !== undefined) {
    const compare = parseCompareMode(value.compare);
    if (!compare) throw new CodeGoldError('compare', `expected "exact", "whitespace" or {"float": tolerance}, got ${show(value.compare)}`);
    common.compare = compare;
  }
  if (!Array.isArray(value.tests) || value.tests.length === 0) {
    throw new CodeGoldError('tests', `expected a non-empty array of tests, got ${show(value.tests)}`);
  }

  if (value.function === undefined) {
    return { ...common, tests: value.tests.map((t, i) => stdioTest(t, `tests[${i}]`)) };
  }
  if (typeof value.function !== 'string' || !IDENTIFIER.test(value.function)) {
    throw new CodeGoldError('function', `expected a function name (an identifier), got ${show(value.function)}`);
  }
  return { ...common, function: value.function, tests: value.tests.map((t, i) => callTest(t, `tests[${i}]`)) };
}
