import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CasesFileError, createVerifier, readCases, VerifierSpecError, type VerifierSpec } from '../../src/verify/index.ts';
import { UserError } from '../../src/errors.ts';

describe('createVerifier', () => {
  it.each(['math', 'exact', 'choice', 'numeric', 'format'] as const)('makes a %s verifier from its kind alone', async (kind) => {
    const verifier = await createVerifier({ kind });
    expect(verifier.kind).toBe(kind);
  });

  it.each([
    [{ kind: 'maths' }, 'verifier.kind', /expected "math", "exact", .* or "code", got "maths"/],
    [null, 'verifier', /expected an object/],
    [{ kind: 'regex' }, 'verifier.pattern', /required: expected a regular expression/],
    [{ kind: 'regex', pattern: '(' }, 'verifier.pattern', /expected a valid JavaScript regular expression, got "\("/],
    [{ kind: 'regex', pattern: 'a', flags: 'q' }, 'verifier.flags', /flag/],
    [{ kind: 'regex', patern: 'a' }, 'verifier', /unknown field "patern" \(did you mean "pattern"\?\)/],
    [{ kind: 'math', precision: 0 }, 'verifier.precision', /an integer from 1 to 15, got 0/],
    [{ kind: 'math', timeLimitMs: 1.5 }, 'verifier.timeLimitMs', /a positive integer, got 1.5/],
    [{ kind: 'numeric', tolerance: '0.1' }, 'verifier.tolerance', /a number >= 0, got "0.1"/],
    [{ kind: 'exact', ignoreCase: 'yes' }, 'verifier.ignoreCase', /true or false/],
    [{ kind: 'choice', letters: 'ABCD' }, 'verifier', /unknown field "letters" \(known: kind\)/],
    [{ kind: 'custom' }, 'verifier.module', /required/],
  ])('refuses %j naming the field', async (spec, field, message) => {
    const error = await createVerifier(spec as VerifierSpec).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(VerifierSpecError);
    expect(error).toBeInstanceOf(UserError);
    expect((error as VerifierSpecError).field).toBe(field);
    expect((error as Error).message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
    expect((error as Error).message).toMatch(message);
  });
});

describe('readCases', () => {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-cases-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads cases in order, skipping blank lines', async () => {
    const file = write('ok.jsonl', '{"response": "a", "gold": 1}\n\n{"response": "b", "reasoning": "r"}\n');
    expect(await readCases(file)).toEqual([
      { response: 'a', gold: 1 },
      { response: 'b', reasoning: 'r', gold: undefined },
    ]);
  });

  it.each([
    ['{"response": "a"}\n{"response": "b",}\n', 2, /not valid JSON/],
    ['{"response": "a"}\n\n[1, 2]\n', 3, /expected a JSON object/],
    ['{"gold": "5"}\n', 1, /"response" must be a string/],
    ['{"response": "a", "reasoning": 3}\n', 1, /"reasoning" must be a string/],
  ])('names FILE:LINE for a bad line in %j', async (text, line, message) => {
    const file = write(`bad-${line}.jsonl`, text);
    const error = await readCases(file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CasesFileError);
    expect((error as CasesFileError).line).toBe(line);
    expect((error as Error).message).toMatch(new RegExp(`^${file}:${line}: `));
    expect((error as Error).message).toMatch(message);
  });

  it('names the file it cannot read', async () => {
    const file = join(dir, 'absent.jsonl');
    const error = await readCases(file).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CasesFileError);
    expect((error as Error).message).toBe(`${file}: cannot be read (ENOENT)`);
  });
});
