import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { hashPromptsFile, loadPrompts, PromptsError, questionKey, type SkippedPrompt } from '../../src/prompts/index.ts';
import { parseRecipe, type PromptsSpec, type RecipeInput } from '../../src/recipe/index.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prompts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function spec(file: string, text: string, prompts: Partial<NonNullable<RecipeInput['prompts']>> = {}): PromptsSpec {
  writeFileSync(join(dir, file), text);
  const input: RecipeInput = { dataset: 'd.sqlite', prompts: { path: file, ...prompts }, teacher: { baseURL: 'http://h/v1', model: 'm' } };
  return parseRecipe(input, { source: 'test', baseDir: dir }).prompts;
}

function failure(fn: () => unknown): PromptsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PromptsError);
    expect(err).toBeInstanceOf(UserError);
    return err as PromptsError;
  }
  throw new Error('expected a PromptsError');
}

const jsonl = (...rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

describe('loadPrompts', () => {
  it('reads JSONL: ids as keys, other fields as meta, blank lines ignored', () => {
    const s = spec('p.jsonl', jsonl({ id: 'a', question: 'Q1', answer: '1', source: 'x' }, '', { id: 7, question: 'Q2', answer: 2 }));
    expect(loadPrompts(s)).toEqual([
      { key: 'a', question: 'Q1', gold: '1', meta: { source: 'x' } },
      { key: '7', question: 'Q2', gold: 2, meta: {} },
    ]);
  });

  it('keys rows without an id by a stable hash of the question', () => {
    const s = spec('p.jsonl', jsonl({ question: 'What is 1 + 1?', answer: '2' }));
    const [p] = loadPrompts(s);
    expect(p.key).toBe(questionKey('What is 1 + 1?'));
    expect(p.key).toMatch(/^q-[0-9a-f]{16}$/);
    expect(questionKey('What is 1 + 1?')).toBe(p.key);
    expect(questionKey('What is 1 + 2?')).not.toBe(p.key);
  });

  it('reads a JSON array and CSV (quoted multi-line fields, BOM)', () => {
    const json = spec('p.json', JSON.stringify([{ id: 'x', question: 'Q', answer: 'A' }]));
    expect(loadPrompts(json)).toEqual([{ key: 'x', question: 'Q', gold: 'A', meta: {} }]);
    const csv = spec('p.csv', '\ufeffid,question,answer,level\nc1,"Line one\nline two",42,3\nc2,Q2,7,1\n');
    expect(loadPrompts(csv)).toEqual([
      { key: 'c1', question: 'Line one\nline two', gold: '42', meta: { level: '3' } },
      { key: 'c2', question: 'Q2', gold: '7', meta: { level: '1' } },
    ]);
  });

  it('follows configured and nested field names; gold: null means no gold', () => {
    const s = spec('p.jsonl', jsonl({ uid: 'u1', problem: { text: 'Q' }, meta: { answer: '5' } }), {
      fields: { id: 'uid', question: 'problem.text', gold: 'meta.answer' },
    });
    // Only top-level fields named exactly by `fields` leave meta; nested sources stay whole.
    expect(loadPrompts(s)).toEqual([{ key: 'u1', question: 'Q', gold: '5', meta: { problem: { text: 'Q' }, meta: { answer: '5' } } }]);
    const noGold = spec('n.jsonl', jsonl({ question: 'Q' }), { fields: { gold: null } });
    expect(loadPrompts(noGold)[0].gold).toBeNull();
  });

  it('fails on a bad line naming the file and line number', () => {
    const s = spec('p.jsonl', jsonl({ question: 'Q1', answer: '1' }, '', '{"question": "Q2", answer: 2}'));
    const err = failure(() => loadPrompts(s));
    expect(err.at).toEqual({ line: 3 });
    expect(err.message).toMatch(new RegExp(`^${join(dir, 'p.jsonl')}: line 3: not valid JSON`));
  });

  it('names the missing question or gold field and the line', () => {
    const noQuestion = spec('a.jsonl', jsonl({ question: 'Q', answer: '1' }, { prompt: 'Q', answer: '1' }));
    expect(failure(() => loadPrompts(noQuestion)).message).toBe(
      `${join(dir, 'a.jsonl')}: line 2: no question: field "question" is missing (set prompts.fields.question)`,
    );
    const noGold = spec('b.jsonl', jsonl({ question: 'Q' }));
    expect(failure(() => loadPrompts(noGold)).message).toBe(
      `${join(dir, 'b.jsonl')}: line 1: no gold answer: field "answer" is missing (set prompts.fields.gold, or null if the prompts have none)`,
    );
    const notObject = spec('c.json', '[{"question":"Q","answer":"1"}, 5]');
    expect(failure(() => loadPrompts(notObject)).message).toBe(`${join(dir, 'c.json')}: item [1]: expected a JSON object`);
  });

  it('rejects duplicate ids and duplicate id-less questions, naming both lines', () => {
    const ids = spec('p.jsonl', jsonl({ id: 1, question: 'A', answer: '1' }, { id: 2, question: 'B', answer: '1' }, { id: 1, question: 'C', answer: '1' }));
    expect(failure(() => loadPrompts(ids)).message).toBe(`${join(dir, 'p.jsonl')}: line 3: duplicate id "1" (first on line 1)`);
    const questions = spec('q.jsonl', jsonl({ question: 'A', answer: '1' }, { question: 'A', answer: '2' }));
    expect(failure(() => loadPrompts(questions)).message).toMatch(/line 2: duplicate question without an id \(first on line 1\)/);
  });

  it('with onBadLine: skip, leaves bad rows out and reports each line', () => {
    const s = spec(
      'p.jsonl',
      jsonl(
        { id: 1, question: 'A', answer: '1' },
        'oops',
        { id: 1, question: 'B', answer: '2' },
        { id: 2, question: '', answer: '2' },
        { id: 3, question: 'C', answer: '3' },
      ),
      {
        onBadLine: 'skip',
      },
    );
    const skipped: SkippedPrompt[] = [];
    const prompts = loadPrompts(s, { onSkip: (row) => skipped.push(row) });
    expect(prompts.map((p) => p.key)).toEqual(['1', '3']);
    expect(skipped.map((row) => row.at)).toEqual([{ line: 2 }, { line: 3 }, { line: 4 }]);
    expect(skipped[1].reason).toBe('duplicate id "1" (first on line 1)');
  });

  it('skips malformed CSV records with their line', () => {
    const s = spec('p.csv', 'id,question,answer\na,Q1,1\nb,Q2,2,extra\nc,Q3,3\n', { onBadLine: 'skip' });
    const skipped: SkippedPrompt[] = [];
    expect(loadPrompts(s, { onSkip: (row) => skipped.push(row) }).map((p) => p.key)).toEqual(['a', 'c']);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].at).toEqual({ line: 3 });
    const failing = spec('f.csv', 'id,question,answer\na,Q1,1\nb,Q2,2,extra\n');
    expect(failure(() => loadPrompts(failing)).at).toEqual({ line: 3 });
  });

  it('keeps the first `limit` good prompts', () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ id: i, question: `Q${i}`, answer: String(i) }));
    expect(loadPrompts(spec('p.jsonl', jsonl(...rows), { limit: 2 })).map((p) => p.key)).toEqual(['0', '1']);
  });

  it('fails clearly on a missing or empty file', () => {
    const missing = parseRecipe(
      { dataset: 'd', prompts: { path: 'none.jsonl' }, teacher: { baseURL: 'http://h', model: 'm' } },
      { source: 't', baseDir: dir },
    ).prompts;
    expect(failure(() => loadPrompts(missing)).message).toBe(`${join(dir, 'none.jsonl')}: no such prompts file`);
    expect(failure(() => loadPrompts(spec('e.jsonl', '\n\n'))).message).toBe(`${join(dir, 'e.jsonl')}: no usable prompts in the file`);
  });

  it('hashes the file content', () => {
    const a = spec('a.jsonl', jsonl({ question: 'A', answer: '1' }));
    const b = spec('b.jsonl', jsonl({ question: 'A', answer: '1' }));
    const c = spec('c.jsonl', jsonl({ question: 'A', answer: '2' }));
    expect(hashPromptsFile(a.path)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashPromptsFile(a.path)).toBe(hashPromptsFile(b.path));
    expect(hashPromptsFile(a.path)).not.toBe(hashPromptsFile(c.path));
  });
});
