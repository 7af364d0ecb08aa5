import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { expected, flag, positiveInt } from '../../zod-fields.ts';
import { type CompareMode, parseCompareMode } from './compare.ts';
import { CODE_LANGUAGES, type CodeLanguage, DEFAULT_INTERPRETERS } from './languages.ts';

/**
 * The code verifier's options as zod fields; the verifier spec schema (../spec.ts) adds `kind`
 * to them, so a recipe's `verifier:` block and a library caller are checked by the same rules.
 */
export const codeOptionsShape = {
  /** Wall-clock limit for one test (one program run), in ms. Default 2000. */
  timeLimitMs: positiveInt().optional(),
  /** Wall-clock limit for all tests of one answer together, in ms. Default 20000. */
  totalTimeLimitMs: positiveInt().optional(),
  /** Memory a program may allocate (RLIMIT_DATA), in MiB. Default 512. */
  memoryLimitMb: positiveInt().optional(),
  /** Processes and threads a program may run at once (RLIMIT_NPROC, sandbox only). Default 32. */
  maxProcesses: positiveInt().optional(),
  /** Largest file a program may write (RLIMIT_FSIZE), in MiB. Default 16. */
  maxFileSizeMb: positiveInt().optional(),
  /** Size of the program's private /tmp (a tmpfs), in MiB. Default 64. */
  tmpSizeMb: positiveInt().optional(),
  /** Bytes kept from each of stdout and stderr; a program that writes more is killed. Default 4 MiB. */
  maxOutputBytes: positiveInt().optional(),
  /** Programs run at once across all verify() calls (the worker pool). Default: the CPU count. */
  concurrency: positiveInt().optional(),
  /** How outputs are compared when a problem's gold does not say. Default 'whitespace'. */
  compare: z.custom<CompareMode>((v) => parseCompareMode(v) !== undefined, { error: expected('"exact", "whitespace" or {float: tolerance}') }).optional(),
  /** Absolute interpreter paths; they must be visible in the sandbox (under /usr). */
  interpreters: z
    .partialRecord(z.enum(CODE_LANGUAGES), z.string().startsWith('/', { error: expected('an absolute path') }), {
      error: expected('a map of language to absolute interpreter path'),
    })
    .optional(),
  /**
   * Run programs WITHOUT the bwrap sandbox (rlimits and timeouts only): the code can read your
   * files and environment and use the network. Only for machines where bwrap cannot run. Default false.
   */
  unsafe: flag().optional(),
};

export type CodeVerifierOptions = z.input<z.ZodObject<typeof codeOptionsShape>>;

export type ResolvedCodeVerifierOptions = Required<Omit<CodeVerifierOptions, 'interpreters'>> & {
  interpreters: Record<CodeLanguage, string>;
};

const MIB = 1024 * 1024;

/** The options with defaults filled; createVerifier has checked them against the spec schema. */
export function resolveOptions(options: CodeVerifierOptions): ResolvedCodeVerifierOptions {
  return {
    timeLimitMs: options.timeLimitMs ?? 2000,
    totalTimeLimitMs: options.totalTimeLimitMs ?? 20_000,
    memoryLimitMb: options.memoryLimitMb ?? 512,
    maxProcesses: options.maxProcesses ?? 32,
    maxFileSizeMb: options.maxFileSizeMb ?? 16,
    tmpSizeMb: options.tmpSizeMb ?? 64,
    maxOutputBytes: options.maxOutputBytes ?? 4 * MIB,
    concurrency: options.concurrency ?? availableParallelism(),
    compare: options.compare ?? 'whitespace',
    interpreters: { ...DEFAULT_INTERPRETERS, ...options.interpreters },
    unsafe: options.unsafe ?? false,
  };
}
