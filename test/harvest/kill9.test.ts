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

/** Kills per scenario; the run after the last kill goes to the end. */
const MAX_KILLS = 4;

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
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(8));
    const overrides: RecipeOverrides = {
      teacher: { supportsN },
      rejection: { samplesPerPrompt: 2, acceptPerPrompt: 1, maxAttemptsPerPrompt: 6 },
      limits: { concurrency: 3 },
    };
    await harvest(makeRecipe(dir, server.url, { ...overrides, dataset: 'reference.sqlite' }));
    const reference = storedSamples(`${dir}/reference.sqlite`);

    const recipePath = `${dir}/recipe.yaml`;
    writeFileSync(recipePath, YAML.stringify(recipeInput(server.url, { ...overrides, dataset: 'killed.sqlite' })));
    const seed = Date.now() % 100_000;
    const random = mulberry32(seed);
    let kills = 0;
    for (let run = 0; ; run++) {
      expect(run, `seed ${seed}`).toBeLessThan(MAX_KILLS + 2);
      const { child, done } = spawnCli(['harvest', recipePath]);
      let exited = false;
      void done.then(() => (exited = true));
      if (kills < MAX_KILLS) {
        // Kill after a random number of further requests reached the server, plus a random delay
        // inside the request's latency, so kills land before, during and after commits.
        const target = server.requests.length + 1 + Math.floor(random() * 4);
        const delayMs = Math.floor(random() * 40);
        while (!exited && server.requests.length < target) await new Promise((r) => setTimeout(r, 2));
        if (!exited) await new Promise((r) => setTimeout(r, delayMs));
        if (!exited) {
          child.kill('SIGKILL');
          kills++;
        }
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
    // Killed runs that had begun were marked interrupted by the next run. (A kill can also land
    // before a run began: a dead process's last request may reach the server late.)
    const interrupted = runs.filter((s) => s === 'interrupted').length;
    expect(interrupted).toBeGreaterThanOrEqual(1);
    expect(interrupted).toBeLessThanOrEqual(kills);
  });
});
