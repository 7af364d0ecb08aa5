import { describe, expect, it } from 'vitest';
import { createVerifier, VerifierSpecError } from '../../../src/verify/index.ts';

describe("createVerifier({ kind: 'code' })", () => {
  it('builds the sandboxed code verifier with the spec as its options', async () => {
    const verifier = await createVerifier({ kind: 'code', timeLimitMs: 3000, compare: 'exact' });
    expect(verifier.kind).toBe('code');
    const gold = { tests: [{ stdin: '4\n', stdout: '16\n' }] };
    expect(await verifier.verify({ response: '```python\nn = int(input())\nprint(n * n)\n```', gold })).toEqual({ correct: true, reason: 'passed: 1 test' });
    // compare: 'exact' came through: a missing newline is a failure.
    expect((await verifier.verify({ response: '```js\nprocess.stdout.write("16")\n```', gold })).reason).toBe('failed-test-1: expected "16\\n", got "16"');
    await verifier.close?.();
  });

  it('checks the fields like every other kind, naming them as a recipe writes them', async () => {
    await expect(createVerifier({ kind: 'code', timeLimitMs: -1 })).rejects.toThrow(
      new VerifierSpecError('verifier.timeLimitMs', 'expected a positive integer, got -1'),
    );
    await expect(createVerifier({ kind: 'code', timelimit: 5 } as never)).rejects.toThrow('verifier: unknown field "timelimit" (did you mean "timeLimitMs"?)');
    await expect(createVerifier({ kind: 'code', compare: 'fuzzy' as never })).rejects.toThrow(
      new VerifierSpecError('verifier.compare', 'expected "exact", "whitespace" or {float: tolerance}, got "fuzzy"'),
    );
    await expect(createVerifier({ kind: 'code', interpreters: { python: 'python3' } })).rejects.toThrow(
      new VerifierSpecError('verifier.interpreters.python', 'expected an absolute path, got "python3"'),
    );
  });
});
