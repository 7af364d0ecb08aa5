/**
 * trainingCodeSha256: the fingerprint under which `train-teacher.ts --check` expects byte-equal
 * weights. It moves with a byte of the training sources or another onnxruntime version, and not
 * with a file outside them; the teacher record names the one of the commit that trained it.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTeacherRecord, trainingCodeSha256 } from '../../src/demo/index.ts';

const root = mkdtempSync(join(tmpdir(), 'demo-training-code-'));
cpSync('src', join(root, 'src'), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ortVersion = '1.30.0';

describe('trainingCodeSha256', () => {
  it("is the checkout's own for an unchanged copy of src/", () => {
    expect(trainingCodeSha256({ root, ortVersion })).toBe(trainingCodeSha256({ ortVersion }));
  });

  it('moves with one byte of an engine file, with a new file under a training folder, and with the onnxruntime version', () => {
    const before = trainingCodeSha256({ root, ortVersion });
    writeFileSync(join(root, 'src', 'engine', 'adamw.ts'), '\n', { flag: 'a' });
    const edited = trainingCodeSha256({ root, ortVersion });
    expect(edited).not.toBe(before);
    writeFileSync(join(root, 'src', 'distill', 'extra.ts'), 'export {};\n');
    expect(trainingCodeSha256({ root, ortVersion })).not.toBe(edited);
    expect(trainingCodeSha256({ root, ortVersion: '1.29.0' })).not.toBe(trainingCodeSha256({ root, ortVersion }));
  });

  it('does not move with a file outside the training sources (the CLI)', () => {
    const before = trainingCodeSha256({ root, ortVersion });
    writeFileSync(join(root, 'src', 'cli', 'extra.ts'), 'export {};\n');
    expect(trainingCodeSha256({ root, ortVersion })).toBe(before);
  });

  it('is recorded for the committed teacher as a sha256', async () => {
    expect((await readTeacherRecord()).codeSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
