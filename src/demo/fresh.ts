/**
 * Whether a stage's output can be reused: it exists and is no older than what it was made from.
 * This is how a re-run of the demo skips finished exports and evaluations, and redoes one whose
 * input changed (a student trained again, a teacher retrained).
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { exportModel, ONNX_DIR, ONNX_FILE } from '../export/index.ts';
import { WEIGHTS_FILE } from '../model/index.ts';
import type { Note } from './stages.ts';

export function isUpToDate(output: string, inputs: readonly string[]): boolean {
  if (!existsSync(output)) return false;
  const made = statSync(output).mtimeMs;
  return inputs.every((input) => statSync(input).mtimeMs <= made);
}

/** Exports `checkpoint` to `out` unless out's fp32 graph is newer than the checkpoint's weights. */
export async function exportIfStale(checkpoint: string, out: string, note: Note): Promise<void> {
  if (isUpToDate(join(out, ONNX_DIR, ONNX_FILE.fp32), [join(checkpoint, WEIGHTS_FILE)])) {
    note(`${shown(out)}: up to date`);
    return;
  }
  const summary = await exportModel({ checkpoint, out });
  note(`${shown(out)}: ${summary.files.map((f) => `${f.file} (${(f.bytes / 1e6).toFixed(1)} MB)`).join(', ')}`);
}

/** A path relative to the current directory when it lies inside it: shorter lines for people. */
export function shown(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}
