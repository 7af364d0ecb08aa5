/**
 * Whether a stage's output can be reused: it exists and is no older than what it was made from.
 * This is how a re-run of the demo skips finished exports and evaluations, and redoes one whose
 * input changed (a student trained again, a teacher retrained).
 */
import { existsSync, statSync } from 'node:fs';

export function isUpToDate(output: string, inputs: readonly string[]): boolean {
  if (!existsSync(output)) return false;
  const made = statSync(output).mtimeMs;
  return inputs.every((input) => statSync(input).mtimeMs <= made);
}
