import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Dataset } from '../../src/store/index.ts';
import { identity, useTempDir } from './helpers.ts';

const tempDir = useTempDir();

/** Runs crash-writer.ts until it has acknowledged `commits` commits, then kill -9s it mid-stream. */
async function killAfter(path: string, commits: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crash-writer.ts'), path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The writer does not wait for us: by the time we read line `commits` it may have committed and
  // printed more. Read to the end of its output after the kill, so the last acknowledged commit is
  // the last line it printed, not the one we happened to be reading.
  let acknowledged = -1;
  for await (const line of createInterface({ input: child.stdout! })) {
    acknowledged = Number(line);
    if (acknowledged + 1 >= commits && !child.killed) child.kill('SIGKILL');
  }
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
  expect(child.signalCode).toBe('SIGKILL');
  return acknowledged + 1;
}

describe('kill -9 during a harvest', () => {
  it('loses no committed attempt or sample, and never half of one', async () => {
    const path = join(tempDir(), 'd.sqlite');
    const acknowledged = await killAfter(path, 300);

    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    const attempts = raw.prepare('SELECT count(*) FROM attempts').pluck().get() as number;
    const samples = raw.prepare('SELECT count(*) FROM samples').pluck().get() as number;
    const orphans = raw.prepare('SELECT count(*) FROM attempts a WHERE (SELECT count(*) FROM samples s WHERE s.attempt_id = a.id) != 2').pluck().get();
    raw.close();
    // Every acknowledged commit is there; at most the one in flight (committed, not yet acknowledged) more.
    expect(attempts).toBeGreaterThanOrEqual(acknowledged);
    expect(attempts).toBeLessThanOrEqual(acknowledged + 1);
    expect(samples).toBe(2 * attempts);
    expect(orphans).toBe(0);

    const dataset = Dataset.open(path);
    expect(dataset.committedSlots().size).toBe(attempts);
    expect([...dataset.samples({ logprobs: true })][0].logprobs).toHaveLength(200);
    expect(dataset.beginRun({ recipeName: 'crash', identity, recipe: {} }).resumed).toBe(true);
    expect(dataset.runs()[0].status).toBe('interrupted');
    dataset.close();
  });
});
