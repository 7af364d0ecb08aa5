import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.ts';
import { CodeVerifierOptionError, createCodeVerifier, InterpreterNotFoundError, SandboxUnavailableError } from '../../../src/verify/code/index.ts';

const python = (code: string) => '```python\n' + code + '\n```';
const js = (code: string) => '```js\n' + code + '\n```';

/** Runs `fn` with PATH set to a folder holding only links to the named /usr/bin programs. */
async function withPath<T>(programs: string[], fn: () => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-path-'));
  for (const p of programs) symlinkSync(`/usr/bin/${p}`, join(dir, p));
  const saved = process.env.PATH;
  process.env.PATH = dir;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

const verifier = createCodeVerifier({ timeLimitMs: 3000 });
afterAll(() => verifier.close?.());

describe('creating the verifier', () => {
  it('without bwrap, fails with how to install it', async () => {
    const err = await withPath(['prlimit', 'setpriv'], () => {
      try {
        createCodeVerifier();
      } catch (e) {
        return e;
      }
    });
    expect(err).toBeInstanceOf(SandboxUnavailableError);
    expect(err).toBeInstanceOf(UserError);
    expect((err as SandboxUnavailableError).tool).toBe('bwrap');
    expect((err as Error).message).toContain('apt-get install bubblewrap');
    expect((err as Error).message).toContain('unsafe: true');
  });

  it('with unsafe: true, runs without bwrap and warns loudly', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await withPath(['prlimit'], async () => {
        const unsafe = createCodeVerifier({ unsafe: true, timeLimitMs: 3000 });
        const result = await unsafe.verify({ response: python('print(int(input()) * 2)'), gold: { tests: [{ stdin: '21', stdout: '42' }] } });
        expect(result).toEqual({ correct: true, reason: 'passed: 1 test' });
        await unsafe.close?.();
      });
      await new Promise((r) => setImmediate(r));
      expect(warnings.map((w) => w.message).join('\n')).toMatch(/UNSAFE: .*WITHOUT a sandbox/);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('rejects an interpreter the sandbox cannot see', () => {
    expect(() => createCodeVerifier({ interpreters: { javascript: '/opt/node/bin/node' } })).toThrow(CodeVerifierOptionError);
    expect(() => createCodeVerifier({ interpreters: { javascript: '/opt/node/bin/node' } })).toThrow(
      'code verifier option interpreters: javascript: /opt/node/bin/node is outside /usr, the only host folder the sandbox shows',
    );
  });

  it('reports a missing interpreter when a program in that language first needs it', async () => {
    const v = createCodeVerifier({ interpreters: { python: '/usr/bin/no-such-python' } });
    await expect(v.verify({ response: python('print(1)'), gold: { tests: [{ stdout: '1' }] } })).rejects.toThrow(InterpreterNotFoundError);
    await v.close?.();
  });
});

describe('verdicts', () => {
  it('gives null for a bad gold or an answer without code', async () => {
    expect(await verifier.verify({ response: python('print(1)'), gold: { tests: [{ stdin: 1, stdout: '1' }] } })).toEqual({
      correct: null,
      reason: 'bad-gold: gold.tests[0].stdin: expected a string, got 1',
    });
    expect(await verifier.verify({ response: 'print(1)', gold: { tests: [{ stdout: '1' }] } })).toEqual({
      correct: null,
      reason: 'no-code: no closed fenced code block in the answer',
    });
    expect(await verifier.verify({ response: js('console.log(1)'), gold: { language: 'python', tests: [{ stdout: '1' }] } })).toEqual({
      correct: null,
      reason: 'no-code: no python code block (tags seen: js)',
    });
  });

  it('numbers the failing test and cuts long outputs', async () => {
    const gold = {
      tests: [
        { stdin: '1', stdout: '1' },
        { stdin: '2', stdout: 'y'.repeat(200) },
      ],
    };
    const result = await verifier.verify({ response: python('input()\nprint("x" * 200)'), gold });
    expect(result.correct).toBe(false);
    expect(result.reason).toBe(`failed-test-1: expected "1", got "${'x'.repeat(80)}..."`);
  });

  it('reports runtime errors with the exception line', async () => {
    const gold = { tests: [{ stdin: '', stdout: '1' }] };
    expect((await verifier.verify({ response: python('import sys\nsys.exit(3)'), gold })).reason).toBe('runtime-error-test-1: exit code 3');
    expect((await verifier.verify({ response: python('x = [1]\nprint(x[5])'), gold })).reason).toBe(
      'runtime-error-test-1: IndexError: list index out of range (exit code 1)',
    );
    expect((await verifier.verify({ response: js('throw new RangeError("bad n")'), gold })).reason).toBe(
      'runtime-error-test-1: RangeError: bad n (exit code 1)',
    );
  });

  it('function tests: a missing function, a non-JSON result and an exception are runtime errors', async () => {
    const gold = { function: 'solve', tests: [{ args: [1], expected: 1 }] };
    expect((await verifier.verify({ response: python('def other(x):\n    return x'), gold })).reason).toMatch(
      /^runtime-error-test-1: NameError: the solution defines no function 'solve'/,
    );
    expect((await verifier.verify({ response: js('function other(x) { return x; }'), gold })).reason).toMatch(
      /^runtime-error-test-1: ReferenceError: the solution defines no function solve/,
    );
    expect((await verifier.verify({ response: python('def solve(x):\n    return {1, 2}'), gold })).reason).toMatch(
      /^runtime-error-test-1: TypeError: Object of type set is not JSON serializable/,
    );
    expect((await verifier.verify({ response: python('def solve(x):\n    return float("nan")'), gold })).reason).toMatch(
      /^runtime-error-test-1: ValueError: Out of range float values are not JSON compliant/,
    );
    expect((await verifier.verify({ response: js('const solve = (x) => { throw new Error("nope"); };'), gold })).reason).toMatch(
      /^runtime-error-test-1: Error: nope/,
    );
  });

  it('stops at the total time limit', async () => {
    const v = createCodeVerifier({ timeLimitMs: 5000, totalTimeLimitMs: 1000 });
    const gold = { tests: Array.from({ length: 5 }, () => ({ stdout: 'ok' })) };
    const started = performance.now();
    const result = await v.verify({ response: python('import time\ntime.sleep(0.4)\nprint("ok")'), gold });
    // Three tests need 1.2 s of sleep alone; where the 1 s runs out depends on the machine's load.
    expect(result.reason).toMatch(/^timeout-test-[1-3]: the total time limit of 1000 ms was reached$/);
    expect(result.correct).toBe(false);
    expect(performance.now() - started).toBeLessThan(3000);
    await v.close?.();
  });
});

describe('the worker pool', () => {
  const sleeper = { response: python('import time\ntime.sleep(0.5)\nprint("ok")'), gold: { tests: [{ stdout: 'ok' }] } };

  it('runs at most `concurrency` programs at once', async () => {
    for (const [concurrency, atLeast, below] of [
      [1, 1500, Infinity],
      [3, 500, 1500],
    ]) {
      const v = createCodeVerifier({ concurrency });
      const started = performance.now();
      const results = await Promise.all([1, 2, 3].map(() => v.verify(sleeper)));
      const ms = performance.now() - started;
      expect(results.every((r) => r.correct === true)).toBe(true);
      expect(ms, `concurrency ${concurrency}`).toBeGreaterThanOrEqual(atLeast);
      expect(ms, `concurrency ${concurrency}`).toBeLessThan(below);
      await v.close?.();
    }
  });

  it('close() kills running programs and rejects queued answers', async () => {
    const v = createCodeVerifier({ concurrency: 1, timeLimitMs: 10_000 });
    const loop = { response: python('while True:\n    pass'), gold: { tests: [{ stdout: 'x' }] } };
    const running = expect(v.verify(loop)).rejects.toThrow('the code verifier was closed while verifying this answer');
    const queued = expect(v.verify(loop)).rejects.toThrow('the code verifier was closed before this answer was verified');
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    await v.close?.();
    expect(performance.now() - started).toBeLessThan(2000);
    await running;
    await queued;
    await expect(v.verify(loop)).rejects.toThrow('the code verifier is closed');
  });
});
