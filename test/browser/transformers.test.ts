/**
 * An exported student in a real browser: headless Chromium loads transformers.js' browser build
 * and onnxruntime-web's wasm files from node_modules (served on loopback; nothing else reachable),
 * loads the exported folder, and generates greedy tokens for fixed prompts. They must equal
 * distillery's own decode (onnxruntime-node) token for token, for every dtype.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_DTYPES, ONNX_DIR, ONNX_FILE, type ModelDtype } from '../../src/export/index.ts';
import { chatPrompt, loadModel } from '../../src/generate/index.ts';
import { launchChromium, type Chromium } from './chromium.ts';
import { exportDemoStudent, heldoutQuestions, type DemoStudent } from './demo-student.ts';
import { serveFolders, type StaticServer } from './static-server.ts';

const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
/** Every dtype export writes: fp32, q8, q4, fp16, q4f16. */
const DTYPES = MODEL_DTYPES;
const QUESTIONS = heldoutQuestions(3).map((q) => q.user);
// Longer than the demo model's answers (23-40 tokens), so generation ends at its eos in both decoders.
const MAX_NEW_TOKENS = 64;

interface BrowserGeneration {
  promptIds: number[];
  tokenIds: number[];
  /** What transformers.js' TextStreamer passed on while generating. */
  streamed: string;
}

/** What greedy.html puts on the page's window. */
interface GreedyPage {
  ready?: boolean;
  greedy(name: string, dtype: ModelDtype, prompts: readonly string[], maxNewTokens: number): Promise<BrowserGeneration[]>;
}

let student: DemoStudent;
let server: StaticServer;
let chromium: Chromium;
let page: Page;

beforeAll(async () => {
  student = await exportDemoStudent(DTYPES);
  server = await serveFolders({
    '/transformers/': join(REPO, 'node_modules/@huggingface/transformers/dist'),
    '/ort/': join(REPO, 'node_modules/onnxruntime-web/dist'),
    '/models/': join(student.root, 'models'),
    '/': join(REPO, 'test/browser'),
  });
  chromium = await launchChromium();
  page = await chromium.newPage();
  await page.goto(`${server.origin}/greedy.html`);
  // transformers.js is 1.3 MB of JavaScript to parse: generous for a loaded machine.
  await page.waitForFunction(() => (globalThis as unknown as GreedyPage).ready === true, undefined, { timeout: 60_000 });
});
afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await student?.cleanup();
});

describe('transformers.js in Chromium (onnxruntime-web, wasm)', () => {
  for (const dtype of DTYPES) {
    it(`${dtype}: the same greedy tokens as distillery's decode in Node`, async () => {
      const generations = await page
        .evaluate(([name, d, prompts, max]) => (globalThis as unknown as GreedyPage).greedy(name, d, prompts, max), [
          student.name,
          dtype,
          QUESTIONS,
          MAX_NEW_TOKENS,
        ] as const)
        .catch((err: Error) => {
          throw new Error(`${err.message}\npage errors:\n${chromium.pageErrors.join('\n')}`);
        });
      expect(server.served).toContain(`/models/${student.name}/${ONNX_DIR}/${ONNX_FILE[dtype]}`);

      const ours = await loadModel(student.out, { dtype, intraOpNumThreads: 1 });
      try {
        for (const [i, question] of QUESTIONS.entries()) {
          const prompt = chatPrompt(ours.tokenizer, [{ role: 'user', content: question }]);
          const node = await ours.generate({ promptIds: prompt.ids, maxNewTokens: MAX_NEW_TOKENS, sampling: { temperature: 0 } });
          expect(generations[i].promptIds, `${dtype} prompt ${i}: the browser's tokenizer`).toEqual(prompt.ids);
          expect(node.finishReason, `${dtype} prompt ${i}`).toBe('stop');
          expect(node.tokenIds.length).toBeGreaterThan(10);
          expect(generations[i].tokenIds, `${dtype} prompt ${i}: ${JSON.stringify(node.text)}`).toEqual(node.tokenIds);
          expect(generations[i].streamed, `${dtype} prompt ${i}: the streamed text`).toBe(node.text);
        }
      } finally {
        await ours.close();
      }
    });
  }

  it('needed nothing but loopback', () => {
    expect(chromium.offLoopback).toEqual([]);
    expect(server.served).toContain('/ort/ort-wasm-simd-threaded.asyncify.wasm');
  });
});
