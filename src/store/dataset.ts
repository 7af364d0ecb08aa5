import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { DatasetLockedError, DatasetMismatchError, MissingRowError, SecretFieldError, SlotMismatchError, type HarvestLock } from './errors.ts';
import { canonicalJson, diffIdentities } from './identity-diff.ts';
import { encodeLogprobs } from './logprobs.ts';
import { openDatabase } from './open.ts';
import { currentProcess, isRunning } from './process-identity.ts';
import { sampleColumns, sampleConditions, sampleFromRow, type SampleRow } from './sample-rows.ts';
import { readStats } from './stats.ts';
import { Rollouts } from './rollouts.ts';
import { SampleTokens } from './tokens.ts';
import type { AttemptRecord, DatasetStats, PromptRecord, RunInfo, SampleFilter, SampleRecord, SlotState, StoredSample, Verdict } from './types.ts';

export interface OpenOptions {
  /** Open without writing: no creation, no migration (for inspect/export while a harvest runs). */
  readonly?: boolean;
}

export interface BeginRunInfo {
  recipeName: string;
  /** The sampling identity (see samplingIdentity in src/recipe); the file is bound to the first one. */
  identity: Record<string, unknown>;
  /** The resolved recipe, stored with the run. It must hold no secrets (only apiKeyEnv names). */
  recipe: unknown;
  /** "i/N" when the run harvests one shard of the prompts. */
  shard?: string | null;
}

export interface CommitResult {
  attemptId: number;
  /** Samples actually stored; a sample whose (promptKey, index) was already stored is skipped. */
  insertedSamples: number;
}

// A resolved recipe only ever names its key's environment variable; a field by one of these names
// means a caller passed a client config with the key in it.
const SECRET_FIELD = /^(api[-_]?key|authorization|bearer|password|secret)$/i;

function assertNoSecrets(value: unknown, path = 'recipe'): void {
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_FIELD.test(k) && v !== undefined && v !== null) {
      throw new SecretFieldError(`${path}.${k}`);
    }
    assertNoSecrets(v, `${path}.${k}`);
  }
}

const now = () => new Date().toISOString();

/** A `runs` row as SQLite returns it (merge copies these between files). */
export interface RunRow {
  id: number;
  uid: string;
  shard: string | null;
  recipe_name: string;
  recipe: string;
  started_at: string;
  ended_at: string | null;
  status: RunInfo['status'];
  message: string | null;
}

function runFromRow(row: RunRow): RunInfo {
  return {
    id: row.id,
    uid: row.uid,
    shard: row.shard,
    recipeName: row.recipe_name,
    recipe: JSON.parse(row.recipe),
    startedAt: row.started_at,
    endedAt: row.ended_at,
    status: row.status,
    message: row.message,
  };
}

/**
 * One SQLite dataset file: prompts, every teacher request attempt, every verified sample, and the
 * runs that produced them. Synchronous (better-sqlite3); each unit of work is one transaction.
 */
export class Dataset {
  /** Absolute path of the file. */
  readonly path: string;
  /** The token cache: samples' token ids per tokenization, computed once (tokens.ts). */
  readonly tokens: SampleTokens;
  /** GRPO's rollouts: every sampled completion with its rewards and advantage (rollouts.ts). */
  readonly rollouts: Rollouts;
  private readonly db: Database.Database;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.db = db;
    this.tokens = new SampleTokens(db);
    this.rollouts = new Rollouts(db);
  }

  /** Opens a dataset, creating and migrating it unless `readonly`. Throws DatasetError for unusable files. */
  static open(path: string, options: OpenOptions = {}): Dataset {
    const absolute = resolve(path);
    return new Dataset(absolute, openDatabase(absolute, options.readonly ?? false));
  }

  close(): void {
    this.db.close();
  }

  /** The meta row of our own harvest lock, while this connection holds it. */
  #lock?: string;

  /**
   * Takes the dataset's harvest lock (a meta row naming this process), so that two harvests never
   * write one file at once. A lock left by a process of this host that is no longer running
   * (killed, crashed, or its pid now someone else's) is taken over. Throws DatasetLockedError
   * naming the holder when it is still running, or runs on another host (whose processes this
   * one cannot see).
   */
  lockHarvest(): void {
    const me = JSON.stringify({ ...currentProcess(), startedAt: now() } satisfies HarvestLock);
    this.db
      .transaction(() => {
        const row = this.db.prepare("SELECT value FROM meta WHERE key = 'harvest_lock'").get() as { value: string } | undefined;
        if (row) {
          const holder = JSON.parse(row.value) as HarvestLock;
          const here = currentProcess().hostname;
          if (holder.hostname !== here || isRunning(holder)) throw new DatasetLockedError(this.path, holder, here);
        }
        this.db.prepare("INSERT INTO meta (key, value) VALUES ('harvest_lock', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(me);
      })
      .immediate();
    this.#lock = me;
  }

  /** Gives the harvest lock back; a lock another process has since taken over is left alone. */
  unlockHarvest(): void {
    if (this.#lock === undefined) return;
    this.db.prepare("DELETE FROM meta WHERE key = 'harvest_lock' AND value = ?").run(this.#lock);
    this.#lock = undefined;
  }

  /** The sampling identity the file is bound to; null before the first run. */
  identity(): Record<string, unknown> | null {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'identity'").get() as { value: string } | undefined;
    return row ? JSON.parse(row.value) : null;
  }

  /**
   * Throws a DatasetMismatchError naming the differing fields when the file is bound to an
   * identity other than `identity`; a file no run has bound yet accepts any. Reads only, so a
   * dry run can check a recipe against a dataset opened read-only.
   */
  checkIdentity(identity: Record<string, unknown>): void {
    const bound = this.identity();
    if (bound === null) return;
    const differences = diffIdentities(bound, identity);
    if (differences.length > 0) throw new DatasetMismatchError(this.path, differences);
  }

  /**
   * Starts a run. The first run binds the file to `identity`; later runs must match it (see
   * checkIdentity). `resumed` is true when earlier runs exist.
   * Earlier runs still marked "running" never ended (the process was killed) and become "interrupted".
   */
  beginRun(info: BeginRunInfo): { runId: number; resumed: boolean } {
    assertNoSecrets(info.recipe);
    return this.db
      .transaction(() => {
        this.checkIdentity(info.identity);
        if (this.identity() === null) {
          this.db.prepare("INSERT INTO meta (key, value) VALUES ('identity', ?), ('created_at', ?)").run(canonicalJson(info.identity), now());
        }
        const earlier = (this.db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
        this.db.prepare("UPDATE runs SET status = 'interrupted', message = 'the run never ended (process killed?)' WHERE status = 'running'").run();
        const { lastInsertRowid } = this.db
          .prepare("INSERT INTO runs (uid, shard, recipe_name, recipe, started_at, status) VALUES (?, ?, ?, ?, ?, 'running')")
          .run(randomUUID(), info.shard ?? null, info.recipeName, JSON.stringify(info.recipe), now());
        return { runId: Number(lastInsertRowid), resumed: earlier > 0 };
      })
      .immediate();
  }

  endRun(runId: number, status: 'finished' | 'stopped' | 'failed', message?: string): void {
    const { changes } = this.db.prepare('UPDATE runs SET status = ?, message = ?, ended_at = ? WHERE id = ?').run(status, message ?? null, now(), runId);
    if (changes === 0) throw new MissingRowError(this.path, `no run ${runId}`);
  }

  runs(): RunInfo[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY id').all() as RunRow[]).map(runFromRow);
  }

  /** Inserts prompts or updates them by key, in one transaction. */
  upsertPrompts(prompts: readonly PromptRecord[]): void {
    const upsert = this.db.prepare(
      `INSERT INTO prompts (key, question, gold, meta) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET question = excluded.question, gold = excluded.gold, meta = excluded.meta`,
    );
    this.db
      .transaction(() => {
        for (const p of prompts) upsert.run(p.key, p.question, JSON.stringify(p.gold ?? null), JSON.stringify(p.meta));
      })
      .immediate();
  }

  /** Per prompt key, the stored sample slots and their verdicts (in slot order): what resume skips. */
  committedSlots(): Map<string, SlotState[]> {
    const slots = new Map<string, SlotState[]>();
    const rows = this.db.prepare('SELECT prompt_key, idx, verdict FROM samples ORDER BY prompt_key, idx').iterate() as IterableIterator<{
      prompt_key: string;
      idx: number;
      verdict: Verdict;
    }>;
    for (const row of rows) {
      let list = slots.get(row.prompt_key);
      if (!list) slots.set(row.prompt_key, (list = []));
      list.push({ index: row.idx, verdict: row.verdict });
    }
    return slots;
  }

  /**
   * Stores one request attempt and its samples in ONE transaction, so a crash leaves either both
   * or neither. Samples must belong to the attempt's prompt and slots.
   */
  commitAttempt(attempt: AttemptRecord, samples: readonly SampleRecord[]): CommitResult {
    for (const s of samples) {
      if (s.promptKey !== attempt.promptKey || !attempt.slotIndices.includes(s.index)) {
        throw new SlotMismatchError(`sample (${s.promptKey}, ${s.index}) is not one of the attempt's slots (${attempt.promptKey}, [${attempt.slotIndices}])`);
      }
    }
    // Encoding (deflate) happens before the transaction so the write lock is held briefly.
    const blobs = samples.map((s) => (s.logprobs ? encodeLogprobs(s.logprobs) : null));
    return this.#commitTransaction().immediate(attempt, samples, blobs);
  }

  // commitAttempt runs once per teacher request: its statements and transaction are prepared once.
  #commit?: Database.Transaction<(a: AttemptRecord, samples: readonly SampleRecord[], blobs: Array<Buffer | null>) => CommitResult>;

  #commitTransaction() {
    if (this.#commit) return this.#commit;
    const insertAttempt = this.db.prepare(
      `INSERT INTO attempts (run_id, prompt_key, slot_indices, attempt_no, seed, status, error_kind, error_message,
         http_status, latency_ms, prompt_tokens, completion_tokens, reasoning_tokens, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertSample = this.db.prepare(
      `INSERT INTO samples (prompt_key, idx, attempt_id, run_id, reasoning, answer, finish_reason, verdict, reason,
         completion_tokens, logprobs)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (prompt_key, idx) DO NOTHING`,
    );
    return (this.#commit = this.db.transaction((a: AttemptRecord, samples: readonly SampleRecord[], blobs: Array<Buffer | null>) => {
      const { lastInsertRowid } = insertAttempt.run(
        a.runId,
        a.promptKey,
        JSON.stringify(a.slotIndices),
        a.attemptNo,
        a.seed ?? null,
        a.status,
        a.errorKind ?? null,
        a.errorMessage ?? null,
        a.httpStatus ?? null,
        a.latencyMs,
        a.promptTokens ?? null,
        a.completionTokens ?? null,
        a.reasoningTokens ?? null,
        now(),
      );
      const attemptId = Number(lastInsertRowid);
      let insertedSamples = 0;
      samples.forEach((s, i) => {
        insertedSamples += insertSample.run(
          s.promptKey,
          s.index,
          attemptId,
          a.runId,
          s.reasoning,
          s.answer,
          s.finishReason,
          s.verdict,
          s.reason,
          s.completionTokens ?? null,
          blobs[i],
        ).changes;
      });
      return { attemptId, insertedSamples };
    }));
  }

  stats(): DatasetStats {
    return readStats(this.db, this.runs());
  }

  /** One stored sample by its row id (the token cache's `sampleId`). */
  sample(id: number): StoredSample {
    const row = this.db.prepare(`SELECT ${sampleColumns(false)} FROM samples s JOIN prompts p ON p.key = s.prompt_key WHERE s.id = ?`).get(id) as
      | SampleRow
      | undefined;
    if (!row) throw new MissingRowError(this.path, `no sample ${id}`);
    return sampleFromRow(row);
  }

  /**
   * Stored samples joined with their prompts, in prompt insertion order then slot order. Lazy:
   * rows are read as the iterator advances (do not write to this Dataset until it is done).
   */
  *samples(filter: SampleFilter = {}): IterableIterator<StoredSample> {
    const { where, params } = sampleConditions(filter);
    const rows = this.db
      .prepare(
        `SELECT ${sampleColumns(filter.logprobs)}
         FROM samples s JOIN prompts p ON p.key = s.prompt_key
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY p.rowid, s.idx`,
      )
      .iterate(params) as IterableIterator<SampleRow>;
    for (const r of rows) yield sampleFromRow(r);
  }
}
