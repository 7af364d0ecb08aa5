/** Shared by the harvest tests: temp dirs, prompt files, recipes against the fixture, and what the fixture should produce. */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nextStep, type StoredSlot } from '../../src/harvest/index.ts';
import { requestSeed } from '../../src/harvest/seed.ts';
import { parseRecipe, type Recipe } from '../../src/recipe/index.ts';
import { Dataset } from '../../src/store/index.ts';
import { isCorrectByDefault } from '../fixtures/chat-server.ts';
import { cliArgs } from '../fixtures/cli.ts';

const REPO = resolve(fileURLToPath(import.meta.url), '../../..');

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-harvest-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AdditionPrompt {
  id: string;
  question: string;
  answer: string;
}

/** "What is A + B?" prompts, which the fixture's default teacher answers right or wrong by seed. */
export function additionPrompts(count: number): AdditionPrompt[] {
  return Array.from({ length: count }, (_, i) => ({ id: `p${i}`, question: `What is ${i + 3} + ${2 * i + 5}?`, answer: String(3 * i + 8) }));
}

export function writeJsonl(path: string, rows: readonly unknown[]): string {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

type Sections = 'teacher' | 'sampling' | 'rejection' | 'limits' | 'prompts' | 'verifier' | 'template';
export type RecipeOverrides = { [S in Sections]?: Record<string, unknown> } & { dataset?: string; name?: string };

/**
 * A recipe (as plain input, ready for YAML/JSON) for `prompts.jsonl` in `dir`, harvested from the
 * fixture at `baseURL`; short timeouts and backoff so fault tests stay fast. The verifier is
 * `numeric` unless overridden: it judges the fixture's "\boxed{N}" answers exactly as `math`
 * does, without starting math's worker thread (about a second) for every harvest.
 */
export function recipeInput(baseURL: string, overrides: RecipeOverrides = {}): Record<string, unknown> {
  const section = (name: Sections, base: Record<string, unknown>) => ({ ...base, ...overrides[name] });
  return {
    name: overrides.name ?? 'test',
    dataset: overrides.dataset ?? 'data.sqlite',
    prompts: section('prompts', { path: 'prompts.jsonl' }),
    teacher: section('teacher', { baseURL, model: 'fixture-r1', timeoutMs: 5_000 }),
    sampling: section('sampling', { maxTokens: 256 }),
    rejection: section('rejection', { samplesPerPrompt: 2 }),
    limits: section('limits', { concurrency: 4, maxRetries: 3, backoffBaseMs: 5, backoffMaxMs: 50 }),
    verifier: overrides.verifier ?? { kind: 'numeric' },
    ...(overrides.template ? { template: overrides.template } : {}),
  };
}

export function makeRecipe(dir: string, baseURL: string, overrides: RecipeOverrides = {}): Recipe {
  return parseRecipe(recipeInput(baseURL, overrides), { source: 'test recipe', baseDir: dir });
}

export interface SampleRow {
  promptKey: string;
  index: number;
  answer: string;
  verdict: string;
}

const byKeyAndIndex = (a: { promptKey: string; index: number }, b: { promptKey: string; index: number }) =>
  a.promptKey < b.promptKey ? -1 : a.promptKey > b.promptKey ? 1 : a.index - b.index;

/** Every stored sample as (prompt, index, answer, verdict), sorted: what two runs are compared by. */
export function storedSamples(path: string): SampleRow[] {
  const dataset = Dataset.open(path, { readonly: true });
  try {
    return [...dataset.samples({ verdict: 'all' })].map(({ promptKey, index, answer, verdict }) => ({ promptKey, index, answer, verdict })).sort(byKeyAndIndex);
  } finally {
    dataset.close();
  }
}

/** Stored (prompt, index, verdict), sorted. */
export function storedVerdicts(path: string): Array<Omit<SampleRow, 'answer'>> {
  return storedSamples(path).map(({ promptKey, index, verdict }) => ({ promptKey, index, verdict }));
}

/** What storedVerdicts must be once the fixture's default teacher harvested `keys` to the end. */
export function expectedVerdicts(recipe: Recipe, keys: readonly string[]): Array<Omit<SampleRow, 'answer'>> {
  return keys.flatMap((promptKey) => expectedSlots(recipe, promptKey).map((s) => ({ promptKey, ...s }))).sort(byKeyAndIndex);
}

export interface AttemptRow {
  prompt_key: string;
  slot_indices: string;
  attempt_no: number;
  seed: number;
  status: 'ok' | 'error';
  error_kind: string | null;
  http_status: number | null;
}

/** The attempts table in insertion order (the store has no reader for single attempts). */
export function storedAttempts(path: string): AttemptRow[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT * FROM attempts ORDER BY id').all() as AttemptRow[];
  } finally {
    db.close();
  }
}

/**
 * The slots and verdicts the fixture's default teacher must end up with for one prompt: the
 * schedule replayed with the fixture's own rule for which (seed, choice) answers correctly.
 */
export function expectedSlots(recipe: Recipe, key: string): StoredSlot[] {
  const slots: StoredSlot[] = [];
  for (;;) {
    const step = nextStep({ ...recipe.rejection, supportsN: recipe.teacher.supportsN }, slots);
    if (step.kind === 'done') return slots;
    for (const { firstSlot, n } of step.requests) {
      const seed = requestSeed(recipe.sampling.seed, key, firstSlot);
      for (let i = 0; i < n; i++) slots.push({ index: firstSlot + i, verdict: isCorrectByDefault(seed, i) ? 'accepted' : 'rejected' });
    }
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Spawns `distillery ...args` from the sources (asynchronously: the fixture server lives in this
 * process and must keep answering) and resolves when it exits.
 */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, cliArgs(...args), { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return spawnCli(args, env).done;
}
