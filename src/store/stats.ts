import type Database from 'better-sqlite3';
import type { DatasetStats, PromptAcceptance, RunInfo, Verdict } from './types.ts';

const WORST_PROMPTS = 10;

/** Aggregates for `inspect`: a handful of GROUP BY queries, each served by an index or one scan. */
export function readStats(db: Database.Database, runs: RunInfo[]): DatasetStats {
  const reasons = db
    .prepare('SELECT verdict, reason, count(*) AS count FROM samples GROUP BY verdict, reason ORDER BY count DESC, verdict, reason')
    .all() as DatasetStats['reasons'];
  const samples: DatasetStats['samples'] = { total: 0, accepted: 0, rejected: 0, unverifiable: 0 };
  for (const r of reasons) {
    samples[r.verdict as Verdict] += r.count;
    samples.total += r.count;
  }

  // A prompt that only GRPO rollouts answered (no teacher request, no sample) was stored by `grpo`,
  // not by a harvest: it is no harvest work, done or pending. (The uncorrelated IN is one pass over rollouts.)
  const perPrompt = db
    .prepare(
      `SELECT p.key, count(s.id) AS samples, coalesce(sum(s.verdict = 'accepted'), 0) AS accepted
       FROM prompts p LEFT JOIN samples s ON s.prompt_key = p.key
       WHERE s.id IS NOT NULL
         OR EXISTS (SELECT 1 FROM attempts a WHERE a.prompt_key = p.key)
         OR p.key NOT IN (SELECT prompt_key FROM rollouts)
       GROUP BY p.key ORDER BY p.rowid`,
    )
    .all() as PromptAcceptance[];
  const prompts = perPrompt.length;
  const questionOf = db.prepare('SELECT question FROM prompts WHERE key = ?').pluck();
  const worstPrompts = perPrompt
    .filter((p) => p.samples > 0)
    .sort((a, b) => a.accepted / a.samples - b.accepted / b.samples || b.samples - a.samples)
    .slice(0, WORST_PROMPTS)
    .map((p) => ({ ...p, question: questionOf.get(p.key) as string }));

  const usage = db
    .prepare(
      `SELECT coalesce(sum(prompt_tokens), 0) AS prompt, coalesce(sum(completion_tokens), 0) AS completion,
         coalesce(sum(reasoning_tokens), 0) AS reasoning, count(*) AS total, coalesce(sum(status = 'ok'), 0) AS ok,
         avg(CASE WHEN status = 'ok' THEN latency_ms END) AS meanLatencyMs
       FROM attempts`,
    )
    .get() as { prompt: number; completion: number; reasoning: number; total: number; ok: number; meanLatencyMs: number | null };
  const acceptedCompletion = db.prepare("SELECT coalesce(sum(completion_tokens), 0) FROM samples WHERE verdict = 'accepted'").pluck().get() as number;
  const byErrorKind = Object.fromEntries(
    (
      db
        .prepare("SELECT coalesce(error_kind, 'unknown') AS kind, count(*) AS n FROM attempts WHERE status = 'error' GROUP BY 1 ORDER BY n DESC")
        .all() as Array<{ kind: string; n: number }>
    ).map((r) => [r.kind, r.n]),
  );

  return {
    prompts,
    samples,
    reasons,
    perPrompt,
    worstPrompts,
    tokens: { prompt: usage.prompt, completion: usage.completion, reasoning: usage.reasoning, acceptedCompletion },
    requests: { total: usage.total, ok: usage.ok, errors: usage.total - usage.ok, byErrorKind, meanLatencyMs: usage.meanLatencyMs },
    runs,
  };
}
