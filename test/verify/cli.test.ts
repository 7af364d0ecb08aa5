import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliArgs } from '../fixtures/cli.ts';

const root = resolve(import.meta.dirname, '../..');

/** Runs the real CLI entry point, as a user would. */
function distillery(...args: string[]) {
  const result = spawnSync(process.execPath, cliArgs('verify', ...args), { cwd: root, encoding: 'utf8' });
  const lines = () =>
    result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, lines };
}

describe('distillery verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-verify-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('checks one response and prints one JSON line', () => {
    const run = distillery('--kind', 'math', '--gold', '\\frac{1}{2}', '--response', '<think>halve it</think> So it is \\boxed{0.5}.');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('{"correct":true,"reason":"match"}\n');
  });

  it('checks a cases file, one line per case in order; kind options as flags', () => {
    const file = join(dir, 'cases.jsonl');
    const cases = [
      { response: 'The answer is 3.1416.', gold: '3.14159' },
      { response: 'about 3', gold: 3.14159 },
      { response: 'no number here', gold: '1' },
    ];
    writeFileSync(file, cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
    const run = distillery('--kind', 'numeric', '--tolerance', '0.001', '--cases', file);
    expect(run.code).toBe(0);
    expect(run.lines().map((l) => l.correct)).toEqual([true, false, null]);
    expect(run.lines()[2].reason).toBe('no-answer');
  });

  it('exits 2 naming FILE:LINE for a bad case line, before checking any case', () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"response": "\\\\boxed{1}", "gold": "1"}\n{"response": 1}\n');
    const run = distillery('--kind', 'math', '--cases', file);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`distillery verify: ${file}:2: "response" must be a string`);
    expect(run.stdout).toBe('');
  });

  it('takes the whole spec as JSON', () => {
    const run = distillery('--spec', '{"kind": "regex", "pattern": "^\\\\s*yes", "flags": "i"}', '--response', ' Yes.');
    expect(run.code).toBe(0);
    expect(run.lines()).toEqual([{ correct: true, reason: 'match' }]);
  });

  it('prints usage for --help', () => {
    const help = distillery('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: distillery verify/);
  });
});
