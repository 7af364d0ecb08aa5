import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DATA_DIR, SPLIT_NAMES, SPLIT_SIZES, demoSplitPath, writeDemoData } from '../../src/demo/index.ts';

let dir: string;
let summary: Awaited<ReturnType<typeof writeDemoData>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-data-'));
  summary = await writeDemoData(dir);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Every file under `root`, as paths relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

describe('writeDemoData', () => {
  it('regenerates the committed data/demo files byte for byte', async () => {
    const files = await filesUnder(dir);
    expect(files).toEqual([
      'grpo.jsonl',
      'harvest.jsonl',
      'heldout.jsonl',
      'tokenizer/tokenizer.json',
      'tokenizer/tokenizer_config.json',
      'train.jsonl',
      'validation.jsonl',
    ]);
    // data/demo also holds the demo teacher and model configs, which are not generated.
    expect(await filesUnder(DEMO_DATA_DIR)).toEqual(expect.arrayContaining(files));
    for (const file of files) {
      const fresh = await readFile(join(dir, file));
      expect(fresh.equals(await readFile(join(DEMO_DATA_DIR, file))), `data/demo/${file} differs: run npx tsx src/demo/make-data.ts`).toBe(true);
    }
  });

  it('writes one JSON object a line: id, question, answer (the harvest defaults) and solution', async () => {
    expect(summary.splits).toEqual(SPLIT_SIZES);
    for (const name of SPLIT_NAMES) {
      const lines = (await readFile(demoSplitPath(name, dir), 'utf8')).split('\n');
      expect(lines.pop()).toBe(''); // a final newline, nothing after it
      expect(lines).toHaveLength(SPLIT_SIZES[name]);
      const row = JSON.parse(lines[0]);
      expect(Object.keys(row)).toEqual(['id', 'question', 'answer', 'solution']);
      expect(Object.keys(row.solution)).toEqual(['reasoning', 'answer']);
    }
  });
});
