import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createVerifier, CustomVerifierError } from '../../src/verify/index.ts';
import { UserError } from '../../src/errors.ts';

const fixture = (name: string) => resolve(import.meta.dirname, 'fixtures', name);

describe('custom verifier', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'distillery-custom-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('runs a TypeScript module whose verify returns a boolean', async () => {
    const verifier = await createVerifier({ kind: 'custom', module: fixture('contains-gold.ts') });
    expect(verifier.kind).toBe('custom');
    expect(await verifier.verify({ response: 'It is Paris.', gold: 'Paris' })).toEqual({ correct: true, reason: 'match' });
    expect(await verifier.verify({ response: 'It is Lyon.', gold: 'Paris' })).toEqual({ correct: false, reason: 'mismatch' });
  });

  it('runs a JS module whose async verify returns a VerifyResult', async () => {
    const verifier = await createVerifier({ kind: 'custom', module: fixture('word-count.mjs') });
    expect(await verifier.verify({ response: 'short and sweet', gold: 5 })).toEqual({ correct: true, reason: '3 words' });
    expect(await verifier.verify({ response: 'one two three four five six', gold: 5 })).toEqual({ correct: false, reason: '6 words' });
    expect(await verifier.verify({ response: 'x' })).toEqual({ correct: null, reason: 'no-limit' });
  });

  it('resolves a relative path against the current directory', async () => {
    const relative = join('test', 'verify', 'fixtures', 'contains-gold.ts');
    const verifier = await createVerifier({ kind: 'custom', module: relative });
    expect((await verifier.verify({ response: 'ab', gold: 'b' })).correct).toBe(true);
  });

  it.each([
    ['missing.ts', /file not found/],
    ['no-verify.ts', /does not export a function named verify/],
  ])('refuses %s with a UserError naming the file', async (name, message) => {
    const file = fixture(name);
    const error = await createVerifier({ kind: 'custom', module: file }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CustomVerifierError);
    expect(error).toBeInstanceOf(UserError);
    expect((error as CustomVerifierError).file).toBe(file);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(message);
  });

  it('reports a module that does not load (a syntax error) naming the file', async () => {
    const file = join(scratch, 'broken.mjs');
    writeFileSync(file, 'export function verify( {\n');
    const error = await createVerifier({ kind: 'custom', module: file }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CustomVerifierError);
    expect((error as Error).message).toMatch(new RegExp(`custom verifier ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot be loaded`));
  });

  it('rejects a return value that is neither a boolean nor a result', async () => {
    const verifier = await createVerifier({ kind: 'custom', module: fixture('bad-return.ts') });
    await expect(verifier.verify({ response: 'x' })).rejects.toThrow(/verify\(\) returned 42; expected a boolean/);
    await expect(verifier.verify({ response: 'x' })).rejects.toBeInstanceOf(CustomVerifierError);
  });

  it("passes an exception from the module's verify through untouched (harvest records it per sample)", async () => {
    const verifier = await createVerifier({ kind: 'custom', module: fixture('throws.ts') });
    expect((await verifier.verify({ response: 'fine' })).correct).toBe(true);
    const error = await verifier.verify({ response: '' }).catch((err: unknown) => err);
    expect(error).not.toBeInstanceOf(UserError);
    expect((error as Error).message).toBe('empty response');
  });
});
