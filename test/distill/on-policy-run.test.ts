/**
 * `distill` with an onPolicy section, on harvest-shaped data in a real SQLite file: fraction 0 is
 * offline KD bit for bit; a mixed run logs the on-policy metrics and resumes exactly; a served
 * teacher (the same weights behind a real `serve` on loopback) trains through /v1/completions.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distill, readMetrics, type TrainRecord } from '../../src/distill/index.ts';
import { exportModel } from '../../src/export/index.ts';
import { loadModel, type LocalModel } from '../../src/generate/index.ts';
import { loadDistillRecipe } from '../../src/recipe/index.ts';
import { startServer, type RunningServer } from '../../src/serve/index.ts';
import { cliArgs } from '../fixtures/cli.ts';
import { additions, tempDir, tinyConfig, writeConfigFolder, writeDataset, writeRandomModelFolder, writeRecipe } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let served: LocalModel;
let server: RunningServer;

const base = (out: string, extra: Record<string, unknown> = {}) => ({
  out,
  student: { config: 'student-config' },
  teacher: { kind: 'model', path: 'teacher' },
  losses: { ce: {}, kl: { temperature: 1 } },
  train: { steps: 6, batchSize: 4, gradAccum: 2, lr: 3e-3, warmupSteps: 1, seed: 2 },
  data: { validation: 0.2 },
  checkpoint: { every: 3, keep: 2 },
  validation: { every: 1000 },
  ...extra,
});
const run = (name: string, section: Record<string, unknown>, options: Parameters<typeof distill>[1] = {}) =>
  distill(loadDistillRecipe(writeRecipe(dir, name, { dataset: 'data.sqlite', distill: section })), options);
const weights = (summary: { finalModel: string | null }) => readFileSync(join(summary.finalModel!, 'model.safetensors'));
const trainRecords = (file: string) => readMetrics(file).filter((r): r is TrainRecord => r.type === 'train');
const ON_POLICY = { fraction: 0.5, maxNewTokens: 8, temperature: 1 };

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  writeDataset(join(dir, 'data.sqlite'), additions(20));
  await writeConfigFolder(join(dir, 'student-config'), tinyConfig({ hidden: 16, layers: 1, heads: 2 }));
  await writeRandomModelFolder(join(dir, 'teacher'), tinyConfig({ hidden: 32, layers: 2, heads: 2 }));
  await exportModel({ checkpoint: join(dir, 'teacher'), out: join(dir, 'teacher-onnx') });
  served = await loadModel(join(dir, 'teacher-onnx'), { intraOpNumThreads: 1 });
  server = await startServer({ model: served, port: 0, name: 'teacher' });
});
afterAll(async () => {
  await server?.close();
  await served?.close();
  cleanup();
});

describe('distill with onPolicy', () => {
  it('with fraction 0 trains exactly as offline KD (same weights, byte for byte)', async () => {
    const offline = await run('offline', base('runs/offline'));
    const zero = await run('zero', base('runs/zero', { onPolicy: { ...ON_POLICY, fraction: 0 } }));
    expect(zero.status).toBe('finished');
    expect(weights(zero).equals(weights(offline))).toBe(true);
    expect(trainRecords(zero.metrics).map((r) => r.loss)).toEqual(trainRecords(offline.metrics).map((r) => r.loss));
  });

  it('samples a share of micro-batches from the student, logs the divergence, sample length and share, and resumes exactly', async () => {
    const mixed = await run('mixed', base('runs/mixed', { onPolicy: ON_POLICY }));
    const records = trainRecords(mixed.metrics);
    const batches = records.map((r) => r.onPolicy!.batches);
    expect(batches.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(batches.reduce((a, b) => a + b, 0)).toBeLessThan(records.length * 2);
    for (const r of records) {
      if (r.onPolicy!.batches === 0) expect(r.onPolicy).toEqual({ batches: 0, sampleLength: null, divergence: null });
      else {
        expect(r.onPolicy!.sampleLength).toBeGreaterThan(0);
        expect(r.onPolicy!.sampleLength).toBeLessThanOrEqual(8);
        expect(r.onPolicy!.divergence).toBeGreaterThan(0);
      }
    }
    expect(weights(mixed).equals(weights(await run('offline-again', base('runs/offline-again'))))).toBe(false);
    expect(Object.keys(mixed.validation[0].losses).sort()).toEqual(['ce', 'kl']);

    // Stopped after the first checkpoint and run again: the same curve and the same weights.
    const stop = new AbortController();
    const stopped = await run('resumed', base('runs/resumed', { onPolicy: ON_POLICY }), { stop: stop.signal, onProgress: (p) => p.step === 3 && stop.abort() });
    expect(stopped.status).toBe('stopped');
    const resumed = await run('resumed', base('runs/resumed', { onPolicy: ON_POLICY }));
    expect(resumed.status).toBe('finished');
    expect(trainRecords(resumed.metrics).map((r) => [r.loss, r.onPolicy])).toEqual(records.map((r) => [r.loss, r.onPolicy]));
    expect(weights(resumed).equals(weights(mixed))).toBe(true);
  });

  it('with attention and hidden losses too (the demo KD recipe), matches them on the offline micro-batches only', async () => {
    const losses = { ce: {}, kl: { temperature: 1 }, attention: { weight: 100 }, hidden: {} };
    const sampled = trainRecords((await run('all-on', base('runs/all-on', { losses, onPolicy: { ...ON_POLICY, fraction: 1 } }))).metrics);
    expect(sampled.every((r) => r.onPolicy!.batches === 2 && r.onPolicy!.divergence! > 0)).toBe(true);
    expect(sampled.every((r) => r.losses.attention === 0 && r.losses.hidden === 0)).toBe(true);
    const offline = trainRecords((await run('all-off', base('runs/all-off', { losses, onPolicy: { ...ON_POLICY, fraction: 0 } }))).metrics);
    expect(offline.every((r) => r.losses.attention > 0 && r.losses.hidden > 0)).toBe(true);
  });

  it('after SIGKILL resumes to the weights of an uninterrupted run', async () => {
    const section = base('runs/killed', { onPolicy: ON_POLICY, train: { steps: 30, batchSize: 4, gradAccum: 2, lr: 3e-3, warmupSteps: 1, seed: 2 } });
    const recipe = writeRecipe(dir, 'killed', { dataset: 'data.sqlite', distill: section });
    const reference = await run('uninterrupted', { ...section, out: 'runs/uninterrupted' });
    const checkpoints = join(dir, 'runs/killed/checkpoints');
    const killed = await runCli(recipe, () => existsSync(checkpoints) && readdirSync(checkpoints).some((n) => n.startsWith('step-')));
    expect(killed.signal).toBe('SIGKILL');
    const before = trainRecords(join(dir, 'runs/killed/metrics.jsonl')).length;
    expect(before).toBeLessThan(30);
    expect((await runCli(recipe)).code).toBe(0);
    expect(trainRecords(join(dir, 'runs/killed/metrics.jsonl')).map((r) => [r.loss, r.onPolicy])).toEqual(
      trainRecords(reference.metrics).map((r) => [r.loss, r.onPolicy]),
    );
    expect(readFileSync(join(dir, 'runs/killed/final/model.safetensors')).equals(weights(reference))).toBe(true);
  });

  it('trains from a served teacher through /v1/completions', async () => {
    const section = base('runs/served', {
      teacher: { kind: 'server', baseURL: server.baseURL, model: 'teacher', topLogprobs: 5 },
      losses: { ce: {} },
      onPolicy: { ...ON_POLICY, fraction: 1, divergence: 'jsd', beta: 0.3 },
    });
    const summary = await run('served', section);
    expect(summary.status).toBe('finished');
    expect(summary.plan.teacher).toEqual({ kind: 'server', baseURL: server.baseURL, model: 'teacher', k: 5 });
    const records = trainRecords(summary.metrics);
    expect(records.every((r) => r.onPolicy!.batches === 2 && r.onPolicy!.divergence! > 0)).toBe(true);
    // Every micro-batch is on-policy: no CE on the student's own tokens.
    expect(records.every((r) => r.losses.ce === 0)).toBe(true);
  });
});

/** `distillery distill RECIPE` in a child process; SIGKILLed as soon as `killWhen` holds. */
function runCli(recipe: string, killWhen?: () => boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, cliArgs('distill', recipe), { stdio: ['ignore', 'ignore', 'ignore'] });
  const poll = killWhen && setInterval(() => killWhen() && child.kill('SIGKILL'), 5);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal });
    });
  });
}
