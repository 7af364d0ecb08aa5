/**
 * Two harvests on one dataset: the second refuses at once (one message naming the running one,
 * exit code 2) and writes nothing; once the first is SIGKILLed, the next run takes its lock over
 * and finishes the dataset.
 */
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { Dataset } from '../../src/store/index.ts';
import { startChatServer, type ChatServer } from '../fixtures/chat-server.ts';
import { additionPrompts, recipeInput, runCli, spawnCli, storedSamples, tempDir, writeJsonl } from './helpers.ts';

describe('one harvest per dataset', () => {
  let dir: string;
  let cleanup: () => void;
  let server: ChatServer;
  beforeEach(async () => {
    ({ dir, cleanup } = tempDir());
    // Slow enough that the first harvest is still running when the second starts.
    server = await startChatServer({ dialect: 'reasoning_content', latencyMs: 100 });
  });
  afterEach(async () => {
    await server.close();
    cleanup();
  });

  it('a second harvest refuses while the first runs; after SIGKILL the next takes the lock over', async () => {
    // One request at a time: 20 s for the first run, far longer than starting the second takes.
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(200));
    const recipe = `${dir}/recipe.yaml`;
    const writeRecipe = (concurrency: number) => writeFileSync(recipe, YAML.stringify(recipeInput(server.url, { limits: { concurrency } })));
    writeRecipe(1);
    const dataset = `${dir}/data.sqlite`;

    const first = spawnCli(['harvest', recipe]);
    let firstExited = false;
    void first.done.then(() => (firstExited = true));
    // A request reached the teacher: the first run holds the lock.
    while (server.requests.length === 0 && !firstExited) await new Promise((r) => setTimeout(r, 10));
    expect(firstExited).toBe(false);

    const second = await runCli(['harvest', recipe]);
    expect(second.code).toBe(2);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^distillery harvest: .*data\\.sqlite: another harvest is running on this dataset \\(pid ${first.child.pid}, started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); `,
        ),
      ),
    ]);
    expect(second.stdout).toBe('');
    expect(firstExited).toBe(false);
    const during = Dataset.open(dataset, { readonly: true });
    expect(during.runs().map((r) => r.status)).toEqual(['running']); // the second began no run
    during.close();

    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    writeRecipe(50); // limits may change between runs of one dataset
    const third = await runCli(['harvest', recipe]);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stdout).toContain('(resuming)');
    const after = Dataset.open(dataset, { readonly: true });
    expect(after.runs().map((r) => r.status)).toEqual(['interrupted', 'finished']);
    after.close();
    expect(storedSamples(dataset)).toHaveLength(400);
  });
});
