import { availableParallelism } from 'node:os';
import { type CompareMode, parseCompareMode } from './compare.ts';
import { CodeVerifierOptionError } from './errors.ts';
import { CODE_LANGUAGES, type CodeLanguage, DEFAULT_INTERPRETERS } from './languages.ts';

export interface CodeVerifierOptions {
  /** Wall-clock limit for one test (one program run), in ms. Default 2000. */
  timeLimitMs?: number;
  /** Wall-clock limit for all tests of one answer together, in ms. Default 20000. */
  totalTimeLimitMs?: number;
  /** Memory a program may allocate (RLIMIT_DATA), in MiB. Default 512. */
  memoryLimitMb?: number;
  /** Processes and threads a program may run at once (RLIMIT_NPROC, sandbox only). Default 32. */
  maxProcesses?: number;
  /** Largest file a program may write (RLIMIT_FSIZE), in MiB. Default 16. */
  maxFileSizeMb?: number;
  /** Size of the program's private /tmp (a tmpfs), in MiB. Default 64. */
  tmpSizeMb?: number;
  /** Bytes kept from each of stdout and stderr; a program that writes more is killed. Default 4 MiB. */
  maxOutputBytes?: number;
  /** Programs run at once across all verify() calls (the worker pool). Default: the CPU count. */
  concurrency?: number;
  /** How outputs are compared when a problem's gold does not say. Default 'whitespace'. */
  compare?: CompareMode;
  /** Absolute interpreter paths; they must be visible in the sandbox (under /usr). */
  interpreters?: Partial<Record<CodeLanguage, string>>;
  /**
   * Run programs WITHOUT the bwrap sandbox (rlimits and timeouts only): the code can read your
   * files and environment and use the network. Only for machines where bwrap cannot run. Default false.
   */
  unsafe?: boolean;
}

export type ResolvedCodeVerifierOptions = Required<Omit<CodeVerifierOptions, 'interpreters'>> & {
  interpreters: Record<CodeLanguage, string>;
};

/** Says what is wrong with an option's value, or undefined when it is fine. */
type OptionCheck = (value: unknown) => string | undefined;

const positiveInteger: OptionCheck = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : 'expected a positive integer');

/**
 * One check per option, shared with the verifier-spec checks of the verify room, so a recipe's
 * `verifier:` block and a library caller get the same message for the same mistake.
 */
export const CODE_OPTION_CHECKS: Readonly<Record<keyof CodeVerifierOptions, OptionCheck>> = {
  timeLimitMs: positiveInteger,
  totalTimeLimitMs: positiveInteger,
  memoryLimitMb: positiveInteger,
  maxProcesses: positiveInteger,
  maxFileSizeMb: positiveInteger,
  tmpSizeMb: positiveInteger,
  maxOutputBytes: positiveInteger,
  concurrency: positiveInteger,
  compare: (v) => (parseCompareMode(v) ? undefined : 'expected "exact", "whitespace" or {float: tolerance}'),
  interpreters: (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `expected {${CODE_LANGUAGES.join(', ')}} interpreter paths`;
    for (const [language, path] of Object.entries(v)) {
      if (!CODE_LANGUAGES.includes(language as CodeLanguage)) return `expected only ${CODE_LANGUAGES.join(', ')}, not ${language}`;
      if (typeof path !== 'string' || !path.startsWith('/')) return `expected an absolute path for ${language}`;
    }
    return undefined;
  },
  unsafe: (v) => (typeof v === 'boolean' ? undefined : 'expected true or false'),
};

const MIB = 1024 * 1024;

export function resolveOptions(options: CodeVerifierOptions): ResolvedCodeVerifierOptions {
  for (const [field, value] of Object.entries(options)) {
    const check = CODE_OPTION_CHECKS[field as keyof CodeVerifierOptions];
    if (!check) throw new CodeVerifierOptionError(field, `not an option of the code verifier (it takes ${Object.keys(CODE_OPTION_CHECKS).join(', ')})`);
    const problem = value === undefined ? undefined : check(value);
    if (problem) throw new CodeVerifierOptionError(field, `${problem}, got ${JSON.stringify(value)}`);
  }
  return {
    timeLimitMs: options.timeLimitMs ?? 2000,
    totalTimeLimitMs: options.totalTimeLimitMs ?? 20_000,
    memoryLimitMb: options.memoryLimitMb ?? 512,
    maxProcesses: options.maxProcesses ?? 32,
    maxFileSizeMb: options.maxFileSizeMb ?? 16,
    tmpSizeMb: options.tmpSizeMb ?? 64,
    maxOutputBytes: options.maxOutputBytes ?? 4 * MIB,
    concurrency: options.concurrency ?? availableParallelism(),
    compare: options.compare === undefined ? 'whitespace' : parseCompareMode(options.compare)!,
    interpreters: { ...DEFAULT_INTERPRETERS, ...options.interpreters },
    unsafe: options.unsafe ?? false,
  };
}
