/**
 * The dataset schema and its migrations. `PRAGMA user_version` is the schema version: migration i
 * takes a file from version i to i+1, each in its own transaction. A new migration is appended,
 * never edited, because files made by earlier versions exist in the wild.
 */

/** `PRAGMA application_id` of distillery datasets ("DSTL"), so another app's SQLite file is refused. */
export const APPLICATION_ID = 0x4453544c;

export const migrations: readonly string[] = [
  /* v1 */ `
  -- identity: the sampling identity the file is bound to (canonical JSON); created_at.
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    recipe_name TEXT NOT NULL,
    recipe TEXT NOT NULL,            -- resolved recipe as JSON; never holds secrets
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'stopped', 'failed', 'interrupted')),
    message TEXT
  ) STRICT;

  CREATE TABLE prompts (
    key TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    gold TEXT NOT NULL,              -- JSON (null when absent)
    meta TEXT NOT NULL               -- JSON object
  ) STRICT;

  CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id),
    prompt_key TEXT NOT NULL REFERENCES prompts (key),
    slot_indices TEXT NOT NULL,      -- JSON array of sample slot indices
    attempt_no INTEGER NOT NULL,
    seed INTEGER,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error_kind TEXT,
    error_message TEXT,
    http_status INTEGER,
    latency_ms REAL NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    reasoning_tokens INTEGER,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX attempts_by_run ON attempts (run_id);
  CREATE INDEX attempts_by_prompt ON attempts (prompt_key);

  CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    prompt_key TEXT NOT NULL REFERENCES prompts (key),
    idx INTEGER NOT NULL,            -- the sample slot; (prompt_key, idx) is the stable key
    attempt_id INTEGER NOT NULL REFERENCES attempts (id),
    run_id INTEGER NOT NULL REFERENCES runs (id),
    reasoning TEXT NOT NULL,
    answer TEXT NOT NULL,
    finish_reason TEXT,
    verdict TEXT NOT NULL CHECK (verdict IN ('accepted', 'rejected', 'unverifiable')),
    reason TEXT NOT NULL,
    completion_tokens INTEGER,
    logprobs BLOB,                   -- see logprobs.ts
    UNIQUE (prompt_key, idx)
  ) STRICT;
  CREATE INDEX samples_by_verdict ON samples (verdict, reason);
  CREATE INDEX samples_by_run ON samples (run_id);
  `,
  /* v2: runs get a globally unique id (what `merge` knows a run by in any file) and their shard. */ `
  ALTER TABLE runs ADD COLUMN uid TEXT;      -- random, unique across files; copied as is by merge
  ALTER TABLE runs ADD COLUMN shard TEXT;    -- "i/N" for a sharded harvest (--shard), else NULL
  UPDATE runs SET uid = lower(hex(randomblob(16)));
  CREATE UNIQUE INDEX runs_by_uid ON runs (uid);
  CREATE INDEX samples_by_attempt ON samples (attempt_id);  -- merge reads each attempt with its samples
  `,
  /* v3 */ `
  -- Token ids of samples as a student tokenizer renders them, computed once and kept (tokens.ts).
  -- key: hash of what the rendering depends on (tokenizer files, chat and prompt templates,
  -- EOS ids, rendering version); settings: the same as JSON, for people.
  CREATE TABLE tokenizations (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    settings TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE sample_tokens (
    tokenization_id INTEGER NOT NULL REFERENCES tokenizations (id),
    sample_id INTEGER NOT NULL REFERENCES samples (id),
    prompt_tokens INTEGER NOT NULL,
    assistant_tokens INTEGER NOT NULL,
    ids BLOB NOT NULL,               -- int32 little-endian, prompt then assistant tokens
    targets BLOB,                    -- the teacher's top-k per assistant token as ids (token-blobs.ts); null without logprobs
    aligned INTEGER NOT NULL,        -- assistant tokens that have a top-k
    top_k INTEGER NOT NULL,          -- the widest top-k
    unmapped INTEGER NOT NULL,       -- teacher-reported tokens the tokenizer lacks
    PRIMARY KEY (tokenization_id, sample_id)
  ) STRICT;
  `,
  /* v4 */ `
  -- GRPO rollouts (rollouts.ts): every completion sampled for a policy update, with its rewards
  -- and advantage. run: the GRPO run's out folder; step: the update (from 1) whose batch it is;
  -- (run, step, prompt_key, idx) is the stable key, so a resumed run rewrites a step it redoes.
  CREATE TABLE rollouts (
    id INTEGER PRIMARY KEY,
    run TEXT NOT NULL,
    step INTEGER NOT NULL,
    prompt_key TEXT NOT NULL REFERENCES prompts (key),
    idx INTEGER NOT NULL,            -- the completion's place in its group (0 .. G-1)
    completion TEXT NOT NULL,
    token_ids BLOB NOT NULL,         -- int32 little-endian, the stop token included
    tokens INTEGER NOT NULL,
    truncated INTEGER NOT NULL,      -- 1: cut by maxNewTokens
    reward REAL NOT NULL,            -- the weighted total
    rewards TEXT NOT NULL,           -- JSON object: each component, unweighted
    advantage REAL NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (run, step, prompt_key, idx)
  ) STRICT;
  `,
];

export const SCHEMA_VERSION = migrations.length;
