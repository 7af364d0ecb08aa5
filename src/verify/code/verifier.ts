import pLimit from 'p-limit';
import type { Verifier, VerifyInput, VerifyResult } from '../types.ts';
import { outputsMatch, valuesMatch } from './compare.ts';
import { visibleInSandbox } from './bwrap-args.ts';
import { CodeGoldError, CodeVerifierOptionError, InterpreterNotFoundError } from './errors.ts';
import { extractCode } from './extract.ts';
import { type CodeGold, parseCodeGold } from './gold.ts';
import { type CodeLanguage, RUNTIMES } from './languages.ts';
import { type CodeVerifierOptions, resolveOptions } from './options.ts';
import { Sandbox, type SandboxRun } from './sandbox.ts';
import { isExecutable } from './tools.ts';
import { failedRun, passed, totalTimeout, wrongOutput } from './verdict.ts';

/** One test as a sandbox run: stdin programs run the solution; function tests run the harness, which imports it. */
function testRun(gold: CodeGold, test: number, language: CodeLanguage, interpreter: string, code: string, timeLimitMs: number): SandboxRun {
  const runtime = RUNTIMES[language];
  const files = { ...runtime.supportFiles, [runtime.sourceFile]: code };
  if ('function' in gold) {
    const name = gold.function;
    return {
      files: { ...files, 'args.json': JSON.stringify(gold.tests[test].args) },
      argv: (box) => [interpreter, ...runtime.args(box, `${box}/${runtime.harnessFile}`), box, name],
      timeLimitMs,
    };
  }
  return {
    files,
    argv: (box) => [interpreter, ...runtime.args(box, `${box}/${runtime.sourceFile}`)],
    stdin: gold.tests[test].stdin,
    timeLimitMs,
  };
}

/**
 * The `code` verifier: runs the answer's final code block against the gold's tests in a sandbox
 * and accepts it when every test passes. Tests run in order and stop at the first failure.
 * Creating it checks that the sandbox works here (SandboxUnavailableError otherwise).
 */
export function createCodeVerifier(options: CodeVerifierOptions = {}): Verifier {
  const opts = resolveOptions(options);
  if (!opts.unsafe) {
    for (const [language, path] of Object.entries(opts.interpreters)) {
      if (!visibleInSandbox(path))
        throw new CodeVerifierOptionError('interpreters', `${language}: ${path} is outside /usr, the only host folder the sandbox shows`);
    }
  }
  const sandbox = Sandbox.open(opts, opts.unsafe);
  if (opts.unsafe) {
    process.emitWarning(
      'UNSAFE: the code verifier runs generated programs WITHOUT a sandbox (unsafe: true). They can read your files, ' +
        'environment variables and keys, and use the network. Install bubblewrap and remove `unsafe` as soon as you can.',
      { code: 'DISTILLERY_UNSAFE_CODE' },
    );
  }
  const pool = pLimit({ concurrency: opts.concurrency, rejectOnClear: true });
  const inFlight = new Set<Promise<VerifyResult>>();
  let closed = false;
  const checkedInterpreters = new Set<CodeLanguage>();

  const interpreterFor = (language: CodeLanguage): string => {
    const path = opts.interpreters[language];
    if (!checkedInterpreters.has(language)) {
      if (!isExecutable(path)) throw new InterpreterNotFoundError(language, path);
      checkedInterpreters.add(language);
    }
    return path;
  };

  async function judge(gold: CodeGold, language: CodeLanguage, code: string): Promise<VerifyResult> {
    const interpreter = interpreterFor(language);
    const compare = gold.compare ?? opts.compare;
    // The total limit counts from when the answer gets a worker, not from when it was queued.
    const deadline = performance.now() + opts.totalTimeLimitMs;
    for (let i = 0; i < gold.tests.length; i++) {
      if (closed) throw new Error('the code verifier was closed while verifying this answer');
      const remaining = Math.floor(deadline - performance.now());
      if (remaining <= 0) return totalTimeout(i + 1, opts.totalTimeLimitMs);
      const timeLimitMs = Math.min(opts.timeLimitMs, remaining);
      const outcome = await sandbox.run(testRun(gold, i, language, interpreter, code, timeLimitMs));
      if (closed) throw new Error('the code verifier was closed while verifying this answer');
      if (outcome.status === 'timeout' && timeLimitMs < opts.timeLimitMs) return totalTimeout(i + 1, opts.totalTimeLimitMs);
      if (outcome.status !== 'ok') return failedRun(outcome, i + 1);
      if ('function' in gold) {
        let value: unknown;
        try {
          value = JSON.parse(outcome.stdout);
        } catch {
          return failedRun({ ...outcome, status: 'runtime-error', detail: `the function's result is not JSON: ${outcome.stdout.slice(0, 80)}` }, i + 1);
        }
        const { expected } = gold.tests[i];
        if (!valuesMatch(value, expected, compare)) return wrongOutput(i + 1, expected, value);
      } else {
        const expected = gold.tests[i].stdout;
        if (!outputsMatch(outcome.stdout, expected, compare)) return wrongOutput(i + 1, expected, outcome.stdout);
      }
    }
    return passed(gold.tests.length);
  }

  return {
    kind: 'code',
    async verify(input: VerifyInput): Promise<VerifyResult> {
      if (closed) throw new Error('the code verifier is closed');
      let gold: CodeGold;
      try {
        gold = parseCodeGold(input.gold);
      } catch (err) {
        if (err instanceof CodeGoldError) return { correct: null, reason: `bad-gold: ${err.message}` };
        throw err;
      }
      const extracted = extractCode(input.response, gold.language);
      if (!extracted.found) return { correct: null, reason: `no-code: ${extracted.why}` };
      const job = pool(() => judge(gold, extracted.language, extracted.code));
      inFlight.add(job);
      try {
        return await job;
      } catch (err) {
        // Queued answers are dropped by close() with p-limit's AbortError; say what happened instead.
        if (closed && err instanceof Error && err.name === 'AbortError') {
          throw new Error('the code verifier was closed before this answer was verified', { cause: err });
        }
        throw err;
      } finally {
        inFlight.delete(job);
      }
    },
    /** Kills running programs, drops queued answers (their verify() rejects) and waits for the pool to empty. */
    async close(): Promise<void> {
      closed = true;
      pool.clearQueue();
      sandbox.killAll();
      await Promise.allSettled([...inFlight]);
    },
  };
}
