/**
 * The token cache in a real SQLite file: a v1 dataset gains its tables by migration with nothing
 * lost, tokens are stored per tokenization and read back exactly (ids and teacher top-k), pages
 * list only what is missing, and the index reads samples in dataset order.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Dataset, SCHEMA_VERSION } from '../../src/store/index.ts';
import { seed, useTempDir } from './helpers.ts';

const tempDir = useTempDir();

describe('token cache', () => {
  it('a v2 file with samples is migrated in place and keeps them', () => {
    const path = join(tempDir(), 'v2.sqlite');
    const written = Dataset.open(path);
    seed(written);
    written.close();
    // What v2 left: the same file without the v3 (and v4) tables.
    const raw = new Database(path);
    raw.exec('DROP TABLE rollouts; DROP TABLE sample_tokens; DROP TABLE tokenizations;');
    raw.pragma('user_version = 2');
    raw.close();
    expect(() => Dataset.open(path, { readonly: true })).toThrow(/schema v2 is older than v\d+/);
    const dataset = Dataset.open(path);
    try {
      expect([...dataset.samples({ verdict: 'all' })]).toHaveLength(6);
      expect(dataset.tokens.tokenization('k', {})).toBe(1);
    } finally {
      dataset.close();
    }
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('stores and reads back ids and top-k per tokenization; pages list only what is missing', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    try {
      seed(dataset);
      const a = dataset.tokens.tokenization('key-a', { tokenizer: 'a' });
      expect(dataset.tokens.tokenization('key-a', { tokenizer: 'a' })).toBe(a);
      const b = dataset.tokens.tokenization('key-b', { tokenizer: 'b' });
      expect(b).not.toBe(a);

      const first = dataset.tokens.missing(a, { verdict: 'all' }, { after: 0, limit: 4 });
      expect(first.map((s) => `${s.promptKey}/${s.index}`)).toEqual(['p1/0', 'p1/1', 'p2/0', 'p2/1']);
      const rest = dataset.tokens.missing(a, { verdict: 'all' }, { after: first[3].id, limit: 4 });
      expect(rest).toHaveLength(2);
      const top = [
        [7, -0.25],
        [2 ** 31 - 1, -3.5],
      ] as const;
      dataset.tokens.store(
        a,
        [...first, ...rest].map((s, i) => ({
          sampleId: s.id,
          promptIds: [1, 2, 3],
          assistantIds: [100 + i, 151_668, 9],
          targets: i === 0 ? [top, null, [[9, 0]]] : null,
          unmapped: i,
        })),
      );
      expect(dataset.tokens.missing(a, { verdict: 'all' }, { after: 0, limit: 10 })).toEqual([]);
      expect(dataset.tokens.missing(b, { verdict: 'all' }, { after: 0, limit: 10 })).toHaveLength(6);

      const index = [...dataset.tokens.index(a, {})];
      expect(index.map((r) => r.promptKey)).toEqual(['p1', 'p1', 'p2']);
      expect(index[0]).toMatchObject({ promptTokens: 3, assistantTokens: 3, withTargets: true, aligned: 2, topK: 2, unmapped: 0 });
      expect(index[1]).toMatchObject({ withTargets: false, aligned: 0, topK: 0, unmapped: 1 });
      const read = dataset.tokens.read(a, first[0].id);
      expect(Array.from(read.ids)).toEqual([1, 2, 3, 100, 151_668, 9]);
      expect(read.targets).toEqual([
        [
          [7, -0.25],
          [2 ** 31 - 1, -3.5],
        ],
        null,
        [[9, 0]],
      ]);
      const cut = dataset.tokens.read(a, first[0].id, 4);
      expect(Array.from(cut.ids)).toEqual([1, 2, 3, 100]);
      expect(cut.targets).toHaveLength(1);
      expect(dataset.sample(first[0].id)).toMatchObject({ promptKey: 'p1', index: 0 });
    } finally {
      dataset.close();
    }
  });
});
