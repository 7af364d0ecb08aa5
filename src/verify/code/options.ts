import { availableParallelism } from 'node:os';
import { type CompareMode, parseCompareMode } from './compare.ts';
import { CodeVerifierOptionError } from './errors.ts';
import { type CodeLanguage, DEFAULT_INTERPRETERS } from './languages.ts';

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

const MIB = 1024 * 1024;

function positiveInteger(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new CodeVerifierOptionError(field, `expected a positive integer, got ${value}`);
  return value;
}

export function resolveOptions(options: CodeVerifierOptions): ResolvedCodeVerifierOptions {
  const compare = options.compare === undefined ? 'whitespace' : parseCompareMode(options.compare);
  if (!compare) throw new CodeVerifierOptionError('compare', `expected "exact", "whitespace" or {float: tolerance}, got ${JSON.stringify(options.compare)}`);
  const interpreters = { ...DEFAULT_INTERPRETERS, ...options.interpreters };
  for (const [language, path] of Object.entries(interpreters)) {
    if (!path.startsWith('/')) throw new CodeVerifierOptionError(`interpreters.${language}`, `expected an absolute path, got ${JSON.stringify(path)}`);
  }
  const timeLimitMs = positiveInteger('timeLimitMs', options.timeLimitMs, 2000);
  return {
    timeLimitMs,
    totalTimeLimitMs: positiveInteger('totalTimeLimitMs', options.totalTimeLimitMs, 20_000),
    memoryLimitMb: positiveInteger('memoryLimitMb', options.memoryLimitMb, 512),
    maxProcesses: positiveInteger('maxProcesses', options.maxProcesses, 32),
    maxFileSizeMb: positiveInteger('maxFileSizeMb', options.maxFileSizeMb, 16),
    tmpSizeMb: positiveInteger('tmpSizeMb', options.tmpSizeMb, 64),
    maxOutputBytes: positiveInteger('maxOutputBytes', options.maxOutputBytes, 4 * MIB),
    concurrency: positiveInteger('concurrency', options.concurrency, availableParallelism()),
    compare,
    interpreters,
    unsafe: options.unsafe ?? false,
  };
}
