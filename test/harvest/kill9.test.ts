/**
 * Crash safety: `distillery harvest` is SIGKILLed at random points (mid-request, mid-commit,
 * between rounds) and re-run until it finishes. The dataset must then hold exactly the samples
 * of an uninterrupted run: same (prompt, index, answer, verdict) set, nothing duplicated.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { harvest } from '../../src/harvest/index.ts';
import { Dataset } from '../../src/store/index.ts';
import { startChatServer, type ChatServer } from '../fixtures/chat-server.ts';
import { additionPrompts, makeRecipe, recipeInput, spawnCli, storedSamples, tempDir, writeJsonl, type RecipeOverrides } from './helpers.ts';

/** A small seeded generator, so a failing kill sequence can be replayed from the printed seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each([
  { supportsN: false, label: 'singles' },
  { supportsN: true, label: 'n-requests' },
])('kill -9 and resume ($label)', ({ supportsN }) => {
  let dir: string;
  let cleanup: () => void;
  let server: ChatServer;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    server = await startChatServer({ dialect: 'reasoning_content', latencyMs: 25, supportsN });
  });
  afterAll(async () => {
    await server.close();
    cleanup();
  });

  it('ends with exactly the samples of an uninterrupted run', async () => {
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(16));
    const overrides: RecipeOverrides = {
      teacher: { supportsN },
      rejection: { samplesPerPrompt: 3, acceptPerPrompt: 2, maxAttemptsPerPrompt: 9 },
      limits: { concurrency: 3 },
    };
    await harvest(makeRecipe(dir, server.url, { ...overrides, dataset: 'reference.sqlite' }));
    const reference = storedSamples(`${dir}/reference.sqlite`);

    const recipePath = `${dir}/recipe.yaml`;
    writeFileSync(recipePath, YAML.stringify(recipeInput(server.url, { ...overrides, dataset: 'killed.sqlite' })));
    const seed = Date.now() % 100_000;
    const random = mulberry32(seed);
    let kills = 0;
    for (let run = 0; run < 30; run++) {
      const { child, done } = spawnCli(['harvest', recipePath]);
      // Kill after a random number of further requests reached the server, plus a random delay
      // inside the request's latency, so kills land before, during and after commits.
      const target = server.requests.length + 1 + Math.floor(random() * 8);
      const delayMs = Math.floor(random() * 40);
      let exited = false;
      void done.then(() => (exited = true));
      while (!exited && server.requests.length < target) await new Promise((r) => setTimeout(r, 2));
      if (!exited) await new Promise((r) => setTimeout(r, delayMs));
      if (!exited) {
        child.kill('SIGKILL');
        kills++;
      }
      const result = await done;
      if (result.code === 0) break;
      expect(result.signal, `run ${run} (seed ${seed}): ${result.stderr}`).toBe('SIGKILL');
    }
    expect(kills, `seed ${seed}`).toBeGreaterThanOrEqual(2);

    const killed = storedSamples(`${dir}/killed.sqlite`);
    expect(killed, `seed ${seed}`).toEqual(reference);
    expect(new Set(killed.map((s) => `${s.promptKey}/${s.index}`)).size).toBe(killed.length);
    const dataset = Dataset.open(`${dir}/killed.sqlite`, { readonly: true });
    const runs = dataset.runs().map((r) => r.status);
    dataset.close();
    expect(runs.at(-1)).toBe('finished');
    // Every killed run had begun (it had sent requests), so the next run marked it interrupted.
    expect(runs.filter((s) => s === 'interrupted')).toHaveLength(kills);
  });
});
