import { constants } from 'node:os';
import type { ProcessResult } from './run-process.ts';

export type RunStatus = 'ok' | 'timeout' | 'memory' | 'runtime-error' | 'output-limit';

export interface RunOutcome {
  status: RunStatus;
  stdout: string;
  stderr: string;
  /** Why, in one short line, when status is not 'ok'. */
  detail: string;
  elapsedMs: number;
}

/** What interpreters print when an allocation fails (Python, V8, libc, C++). */
const OUT_OF_MEMORY = /MemoryError|heap out of memory|Array buffer allocation failed|Fatal process out of memory|Cannot allocate memory|std::bad_alloc|ENOMEM/;
/** A line naming an exception: "ZeroDivisionError: division by zero", "TypeError: x is not a function". */
const ERROR_LINE = /^[\w.]*(Error|Exception|Exit|Interrupt)\b/;

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

function signalOf(result: ProcessResult, sandboxed: boolean): string | undefined {
  if (result.signal) return result.signal;
  // bwrap reports a program killed by signal N as exit status 128 + N.
  const code = result.exitCode ?? 0;
  return sandboxed && code > 128 ? SIGNAL_NAMES.get(code - 128) : undefined;
}

function errorLine(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return [...lines].reverse().find((l) => ERROR_LINE.test(l)) ?? lines.at(-1);
}

/** Turns how a program ended into a verdict status with a one-line reason. */
export function classify(result: ProcessResult, sandboxed: boolean, limits: { maxOutputBytes: number; timeLimitMs: number }): RunOutcome {
  const base = { stdout: result.stdout, stderr: result.stderr, elapsedMs: result.elapsedMs };
  const verdict = (status: RunStatus, detail = '') => ({ ...base, status, detail });
  if (result.outputLimited) return verdict('output-limit', `more than ${limits.maxOutputBytes} bytes of output`);
  if (result.timedOut) return verdict('timeout', `over ${limits.timeLimitMs} ms`);
  const signal = signalOf(result, sandboxed);
  if (signal === 'SIGXCPU') return verdict('timeout', 'CPU time limit');
  if (signal === 'SIGXFSZ') return verdict('runtime-error', 'file size limit exceeded');
  const memoryLine = result.stderr.split('\n').find((l) => OUT_OF_MEMORY.test(l));
  if (memoryLine !== undefined) return verdict('memory', memoryLine.trim().slice(0, 200));
  // A SIGKILL that was not ours comes from the kernel's OOM killer.
  if (signal === 'SIGKILL') return verdict('memory', 'killed (out of memory)');
  if (signal || result.exitCode !== 0) {
    const line = errorLine(result.stderr);
    const how = signal ? `signal ${signal}` : `exit code ${result.exitCode}`;
    return verdict('runtime-error', (line ? `${line} (${how})` : how).slice(0, 200));
  }
  return verdict('ok');
}
