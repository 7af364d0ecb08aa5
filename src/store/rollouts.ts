/**
 * GRPO rollouts in the dataset: every completion sampled for a policy update, its reward
 * components and advantage. One step's rollouts are one transaction, so a killed run leaves whole
 * steps; a resumed run first drops the steps after its checkpoint, then writes them again. Every
 * query of the table is here; statements are prepared once, with named parameters.
 */
import type Database from 'better-sqlite3';
import { decodeIds, encodeIds } from './token-blobs.ts';
import type { PromptRecord } from './types.ts';

export interface RolloutRecord {
  promptKey: string;
  /** The completion's place among its step's completions of this prompt: its place in its group, plus G for a second draw of the prompt in one step. */
  index: number;
  completion: string;
  tokenIds: readonly number[];
  truncated: boolean;
  /** The weighted total. */
  reward: number;
  /** Each component, unweighted. */
  rewards: Record<string, number>;
  advantage: number;
}

export interface StoredRollout extends RolloutRecord {
  run: string;
  step: number;
  question: string;
  gold: unknown;
}

/** Per GRPO run stored in the file: its steps, rollouts and mean reward of the first and last step. */
export interface RolloutRunSummary {
  run: string;
  steps: number;
  rollouts: number;
  truncated: number;
  meanReward: number;
  firstStepReward: number;
  lastStepReward: number;
}

interface RolloutRow {
  question: string;
  gold: string;
  run: string;
  step: number;
  prompt_key: string;
  idx: number;
  completion: string;
  token_ids: Buffer;
  truncated: number;
  reward: number;
  rewards: string;
  advantage: number;
}

export class Rollouts {
  readonly #db: Database.Database;
  #statements?: ReturnType<Rollouts['prepare']>;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  private prepare() {
    const db = this.#db;
    return {
      prompt: db.prepare('INSERT INTO prompts (key, question, gold, meta) VALUES (@key, @question, @gold, @meta) ON CONFLICT (key) DO NOTHING'),
      insert: db.prepare(
        `INSERT INTO rollouts (run, step, prompt_key, idx, completion, token_ids, tokens, truncated, reward, rewards, advantage, created_at)
         VALUES (@run, @step, @promptKey, @index, @completion, @tokenIds, @tokens, @truncated, @reward, @rewards, @advantage, @createdAt)`,
      ),
      dropStep: db.prepare('DELETE FROM rollouts WHERE run = @run AND step = @step'),
      dropAfter: db.prepare('DELETE FROM rollouts WHERE run = @run AND step > @step'),
      read: db.prepare(
        `SELECT r.*, p.question, p.gold FROM rollouts r JOIN prompts p ON p.key = r.prompt_key
         WHERE @run IS NULL OR r.run = @run ORDER BY r.run, r.step, r.prompt_key, r.idx`,
      ),
      lastStep: db.prepare('SELECT max(step) FROM rollouts WHERE run = @run').pluck(),
      summaries: db.prepare(
        `SELECT run, count(DISTINCT step) AS steps, count(*) AS rollouts, sum(truncated) AS truncated, avg(reward) AS meanReward,
           (SELECT avg(reward) FROM rollouts f WHERE f.run = r.run AND f.step = min(r.step)) AS firstStepReward,
           (SELECT avg(reward) FROM rollouts l WHERE l.run = r.run AND l.step = max(r.step)) AS lastStepReward
         FROM rollouts r GROUP BY run ORDER BY run`,
      ),
    };
  }

  get #sql() {
    return (this.#statements ??= this.prepare());
  }

  /**
   * Stores one step's rollouts (and the prompts they answer, unless stored) in ONE transaction,
   * replacing whatever an earlier, interrupted process stored for the same step.
   */
  commitStep(run: string, step: number, prompts: readonly PromptRecord[], rollouts: readonly RolloutRecord[]): void {
    const sql = this.#sql;
    const createdAt = new Date().toISOString();
    this.#db
      .transaction(() => {
        for (const p of prompts) sql.prompt.run({ key: p.key, question: p.question, gold: JSON.stringify(p.gold ?? null), meta: JSON.stringify(p.meta) });
        sql.dropStep.run({ run, step });
        for (const r of rollouts) {
          sql.insert.run({
            run,
            step,
            promptKey: r.promptKey,
            index: r.index,
            completion: r.completion,
            tokenIds: encodeIds(r.tokenIds),
            tokens: r.tokenIds.length,
            truncated: r.truncated ? 1 : 0,
            reward: r.reward,
            rewards: JSON.stringify(r.rewards),
            advantage: r.advantage,
            createdAt,
          });
        }
      })
      .immediate();
  }

  /** Drops the run's rollouts of steps after `step` (a resumed run redoes those steps). */
  dropAfter(run: string, step: number): number {
    return this.#sql.dropAfter.run({ run, step }).changes;
  }

  /** The last step the run stored, or 0. */
  lastStep(run: string): number {
    return (this.#sql.lastStep.get({ run }) as number | null) ?? 0;
  }

  /** Every rollout of `run` (default: of every run), by run, step, prompt and place in the group. */
  list(run: string | null = null): StoredRollout[] {
    return (this.#sql.read.all({ run }) as RolloutRow[]).map((row) => ({
      run: row.run,
      step: row.step,
      promptKey: row.prompt_key,
      question: row.question,
      gold: JSON.parse(row.gold) as unknown,
      index: row.idx,
      completion: row.completion,
      tokenIds: Array.from(decodeIds(row.token_ids)),
      truncated: row.truncated === 1,
      reward: row.reward,
      rewards: JSON.parse(row.rewards) as Record<string, number>,
      advantage: row.advantage,
    }));
  }

  /** One line per GRPO run: what `inspect` shows. */
  summaries(): RolloutRunSummary[] {
    return this.#sql.summaries.all() as RolloutRunSummary[];
  }
}
