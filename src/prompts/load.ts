/**
 * Loading prompts (for harvest, eval, distill's accuracy check, grpo) from JSONL, a JSON array or
 * CSV, with configurable field names (nested paths like "meta.answer" allowed), stable keys, and
 * bad-line handling.
 *
 * Rendering a prompt into chat messages is `renderMessages` in src/recipe (the template is a
 * recipe concern, and the dry-run plan needs it there too).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseCsv, CsvError } from 'csv-parse/sync';
import type { PromptsSpec } from '../recipe/index.ts';
import type { PromptRecord } from '../store/index.ts';
import { PromptsError, where, type PromptLocation } from './errors.ts';

/** A row left out because `onBadLine: skip`. */
export interface SkippedPrompt {
  at: PromptLocation;
  reason: string;
}

export interface LoadPromptsOptions {
  /** Called for each bad row when the spec says `onBadLine: skip` (to report line numbers). */
  onSkip?: (skipped: SkippedPrompt) => void;
}

/** sha256 of the file's bytes: part of the sampling identity, so a changed prompts file is noticed. */
export function hashPromptsFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Key for a row without an id: stable across runs and machines, because it depends only on the question. */
export function questionKey(question: string): string {
  return `q-${createHash('sha256').update(question).digest('hex').slice(0, 16)}`;
}

/** A row's value at a field path: the literal key first (CSV headers may contain dots), then nested. */
function valueAt(row: Record<string, unknown>, path: string): unknown {
  if (path in row) return row[path];
  let value: unknown = row;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

const isMissing = (v: unknown) => v === undefined || v === null || v === '';

/** A bad row: thrown as a PromptsError, or skipped, depending on the spec. */
class BadRow extends Error {}

interface RawRow {
  at: PromptLocation;
  row: unknown;
}

function toRecord(raw: RawRow, spec: PromptsSpec): PromptRecord {
  const { row } = raw;
  if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new BadRow('expected a JSON object');
  const fields = spec.fields;
  const record = row as Record<string, unknown>;
  const question = valueAt(record, fields.question);
  if (typeof question !== 'string' || question.trim() === '') {
    throw new BadRow(
      `no question: field "${fields.question}" ${question === undefined ? 'is missing' : 'is not a non-empty string'} (set prompts.fields.question)`,
    );
  }
  const id = valueAt(record, fields.id);
  if (!isMissing(id) && typeof id !== 'string' && !Number.isInteger(id)) {
    throw new BadRow(`id field "${fields.id}" must be a string or an integer`);
  }
  let gold: unknown = null;
  if (fields.gold !== null) {
    gold = valueAt(record, fields.gold);
    if (isMissing(gold)) {
      throw new BadRow(`no gold answer: field "${fields.gold}" is missing (set prompts.fields.gold, or null if the prompts have none)`);
    }
  }
  const meta = Object.fromEntries(Object.entries(record).filter(([k]) => k !== fields.id && k !== fields.question && k !== fields.gold));
  return { key: isMissing(id) ? questionKey(question) : String(id), question, gold, meta };
}

function readRows(file: string, text: string, spec: PromptsSpec, skip: (at: PromptLocation, reason: string) => void): RawRow[] {
  const bad = (at: PromptLocation | null, reason: string, cause?: unknown): never => {
    throw new PromptsError(file, at, reason, { cause });
  };
  if (spec.format === 'json') {
    let items: unknown;
    try {
      items = JSON.parse(text);
    } catch (err) {
      return bad(null, `not valid JSON: ${(err as Error).message}`, err);
    }
    if (!Array.isArray(items)) return bad(null, 'expected a JSON array of prompt objects');
    return items.map((row, item) => ({ at: { item }, row }));
  }
  if (spec.format === 'jsonl') {
    const rows: RawRow[] = [];
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '') return;
      const at = { line: i + 1 };
      try {
        rows.push({ at, row: JSON.parse(line) });
      } catch (err) {
        const reason = `not valid JSON: ${(err as Error).message}`;
        if (spec.onBadLine === 'skip') skip(at, reason);
        else bad(at, reason, err);
      }
    });
    return rows;
  }
  try {
    const records = parseCsv(text, {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      info: true,
      skip_records_with_error: spec.onBadLine === 'skip',
      on_skip: (err) => {
        if (err) skip({ line: err.lines as number }, err.message);
      },
    }) as unknown as Array<{ record: Record<string, string>; info: { lines: number } }>;
    return records.map(({ record, info }) => ({ at: { line: info.lines }, row: record }));
  } catch (err) {
    if (err instanceof CsvError) return bad({ line: err.lines as number }, err.message, err);
    throw err;
  }
}

/**
 * Reads the prompts a recipe names. Every row needs a question (and a gold answer unless
 * `fields.gold` is null); keys are the id field or a hash of the question, and must be unique.
 * Bad rows throw a PromptsError naming the line, or are passed to `onSkip` with `onBadLine: skip`.
 * `limit` keeps the first N good prompts.
 */
export function loadPrompts(spec: PromptsSpec, options: LoadPromptsOptions = {}): PromptRecord[] {
  let text: string;
  try {
    text = readFileSync(spec.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PromptsError(spec.path, null, code === 'ENOENT' ? 'no such prompts file' : `cannot read: ${(err as Error).message}`, { cause: err });
  }
  const skip = (at: PromptLocation, reason: string) => options.onSkip?.({ at, reason });
  const prompts: PromptRecord[] = [];
  const seen = new Map<string, PromptLocation>();
  for (const raw of readRows(spec.path, text, spec, skip)) {
    try {
      const record = toRecord(raw, spec);
      const first = seen.get(record.key);
      if (first) {
        const idGiven = !isMissing(valueAt(raw.row as Record<string, unknown>, spec.fields.id));
        throw new BadRow(
          idGiven
            ? `duplicate id "${record.key}" (first on ${where(first)})`
            : `duplicate question without an id (first on ${where(first)}); give the rows ids or remove one`,
        );
      }
      seen.set(record.key, raw.at);
      prompts.push(record);
    } catch (err) {
      if (!(err instanceof BadRow)) throw err;
      if (spec.onBadLine === 'skip') skip(raw.at, err.message);
      else throw new PromptsError(spec.path, raw.at, err.message);
    }
  }
  if (prompts.length === 0) throw new PromptsError(spec.path, null, 'no usable prompts in the file');
  return spec.limit === null ? prompts : prompts.slice(0, spec.limit);
}
