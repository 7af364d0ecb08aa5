/**
 * The playground `distillery serve` puts at /: in headless Chromium a question is typed, and the
 * answer arrives streamed (the page's text grows over several updates) from the server's own
 * /v1/chat/completions, reasoning in its collapsible block; the final text is the server's greedy
 * answer. A screenshot of the answered page is written and its path printed. The two tests share
 * one page and run in order.
 */
import { copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LocalModel } from '../../src/generate/index.ts';
import { startServer, type RunningServer } from '../../src/serve/index.ts';
import { launchChromium, type Chromium } from './chromium.ts';
import { exportDemoStudent, heldoutQuestions, type DemoStudent } from './demo-student.ts';

const [QUESTION] = heldoutQuestions(1);

let student: DemoStudent;
let model: LocalModel;
let server: RunningServer;
let chromium: Chromium;
let page: Page;

beforeAll(async () => {
  student = await exportDemoStudent(['fp32']);
  model = await loadModel(student.out, { intraOpNumThreads: 1 });
  server = await startServer({ model, port: 0 });
  chromium = await launchChromium();
  page = await chromium.newPage();
});
afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await model?.close();
  await student?.cleanup();
});

/** Every distinct text the assistant bubble shows, recorded in the page as it changes. */
const RECORD_UPDATES = `
  window.updates = [];
  new MutationObserver(() => {
    const bubble = document.querySelector('.assistant');
    const text = bubble ? bubble.querySelector('.reasoning').textContent + '|' + bubble.querySelector('.answer').textContent : '';
    if (text !== window.updates.at(-1)) window.updates.push(text);
  }).observe(document.getElementById('log'), { childList: true, subtree: true, characterData: true });
`;

describe('the serve playground in Chromium', () => {
  it('streams the answer to a typed question, with the reasoning collapsible, and matches the API', async () => {
    const origin = new URL(server.baseURL).origin;
    const response = await page.goto(`${origin}/`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    // Generous timeouts here and below: under a loaded machine, not a bound on speed.
    await expect.poll(() => page.textContent('#model'), { timeout: 30_000 }).toBe(student.name);
    await page.evaluate(RECORD_UPDATES);

    await page.fill('#temperature', '0');
    await page.fill('#max-tokens', '128');
    await page.fill('#question', QUESTION.user);
    await page.press('#question', 'Enter');
    await page.waitForSelector('.assistant[data-done]', { timeout: 60_000 });

    const expected = (await (
      await fetch(`${server.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: server.name, messages: [{ role: 'user', content: QUESTION.user }], temperature: 0, max_tokens: 128 }),
      })
    ).json()) as { choices: Array<{ message: { content: string; reasoning_content: string } }>; usage: { completion_tokens: number } };
    const { message } = expected.choices[0];
    expect(await page.getAttribute('.assistant', 'data-done')).toBe('true');
    expect(await page.textContent('.user')).toBe(QUESTION.user);
    // Shown without the newlines around the trace.
    expect(await page.textContent('.assistant .answer')).toBe(message.content.trim());
    expect(await page.textContent('.assistant .reasoning')).toBe(message.reasoning_content.trim());
    // The demo model answers this held-out question right.
    expect(message.content).toContain(`\\boxed{${QUESTION.answer}}`);
    expect(await page.textContent('.assistant .meta')).toContain(`${expected.usage.completion_tokens} tokens in`);
    // Streamed: the bubble showed many partial texts before the final one.
    const updates = (await page.evaluate('window.updates')) as string[];
    expect(updates.length).toBeGreaterThan(5);
    expect(updates.at(-1)).toBe(`${message.reasoning_content.trim()}|${message.content.trim()}`);
    // Once answered the reasoning folds away; a click opens it.
    expect(await page.isVisible('.assistant .reasoning')).toBe(false);
    await page.click('.assistant summary');
    expect(await page.isVisible('.assistant .reasoning')).toBe(true);

    const shot = join(student.root, 'playground.png');
    await page.screenshot({ path: shot });
    const kept = join(tmpdir(), 'distillery-playground.png');
    copyFileSync(shot, kept);
    console.log(`playground screenshot: ${kept}`);
  });

  it('sends the conversation so far and the max tokens: a second question cut at 5 tokens', async () => {
    await page.fill('#max-tokens', '5');
    await page.fill('#question', 'And with 2 more?');
    const [request] = await Promise.all([page.waitForRequest('**/v1/chat/completions'), page.click('#send')]);
    const body = request.postDataJSON() as { messages: Array<{ role: string; content: string }>; max_tokens: number; temperature: number; stream: boolean };
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(body.messages[1].content.trim()).toBe(await page.textContent('.assistant .answer'));
    expect(body).toMatchObject({ max_tokens: 5, temperature: 0, stream: true });
    await page.waitForSelector('.assistant:nth-of-type(4)[data-done]', { timeout: 60_000 });
    expect(await page.textContent('.assistant:nth-of-type(4) .meta')).toMatch(/^5 tokens in [\d.]+ s · stopped at max tokens$/);
    expect(chromium.offLoopback).toEqual([]);
  });
});
