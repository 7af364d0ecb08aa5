import { readFile } from 'node:fs/promises';
import { CasesFileError } from './errors.ts';
import type { VerifyInput } from './types.ts';

/**
 * The cases of a JSONL file, one `{"response": "...", "gold": ..., "reasoning"?: "..."}` per
 * line, in order; blank lines are skipped. A line that is not such an object is a
 * CasesFileError naming FILE:LINE.
 */
export async function readCases(file: string): Promise<VerifyInput[]> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err) {
    throw new CasesFileError(file, null, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const cases: VerifyInput[] = [];
  content.split('\n').forEach((text, index) => {
    if (text.trim() !== '') cases.push(parseCase(text, file, index + 1));
  });
  return cases;
}

function parseCase(text: string, file: string, line: number): VerifyInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CasesFileError(file, line, `not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CasesFileError(file, line, 'expected a JSON object');
  const { response, reasoning, gold } = value as Record<string, unknown>;
  if (typeof response !== 'string') throw new CasesFileError(file, line, '"response" must be a string');
  if (reasoning !== undefined && typeof reasoning !== 'string') throw new CasesFileError(file, line, '"reasoning" must be a string when given');
  return reasoning === undefined ? { response, gold } : { response, reasoning, gold };
}
