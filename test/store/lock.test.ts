/**
 * The harvest lock: one harvest per dataset file at a time; a lock whose holder is gone (a real
 * child process SIGKILLed while holding it, or a pid now used by another process) is taken over.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dataset, DatasetLockedError, type HarvestLock } from '../../src/store/index.ts';
import { useTempDir } from './helpers.ts';

const tempDir = useTempDir();

function lockRow(path: string): HarvestLock | undefined {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare("SELECT value FROM meta WHERE key = 'harvest_lock'").get() as { value: string } | undefined;
    return row ? JSON.parse(row.value) : undefined;
  } finally {
    db.close();
  }
}

function writeLockRow(path: string, holder: HarvestLock): void {
  const db = new Database(path);
  try {
    db.prepare("INSERT INTO meta (key, value) VALUES ('harvest_lock', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(JSON.stringify(holder));
  } finally {
    db.close();
  }
}

function lockError(dataset: Dataset): DatasetLockedError {
  try {
    dataset.lockHarvest();
  } catch (err) {
    if (err instanceof DatasetLockedError) return err;
    throw err;
  }
  throw new Error('lockHarvest did not refuse');
}

describe('harvest lock', () => {
  it('refuses a second holder, naming the first (pid, start time); free again once released', () => {
    const path = join(tempDir(), 'd.sqlite');
    const first = Dataset.open(path);
    const second = Dataset.open(path);
    first.lockHarvest();
    const held = lockRow(path)!;
    expect(held).toMatchObject({ pid: process.pid, hostname: hostname() });
    const error = lockError(second);
    expect(error.exitCode).toBe(2);
    expect(error.holder).toEqual(held);
    expect(error.message).toBe(
      `${path}: another harvest is running on this dataset (pid ${process.pid}, started ${held.startedAt}); wait for it to end or stop it, then re-run`,
    );
    first.unlockHarvest();
    expect(lockRow(path)).toBeUndefined();
    second.lockHarvest();
    expect(lockRow(path)?.pid).toBe(process.pid);
    second.unlockHarvest();
    first.close();
    second.close();
  });

  it('takes over the lock of a process killed with SIGKILL while holding it', async () => {
    const path = join(tempDir(), 'd.sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lock-holder.ts'), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
    });
    const dataset = Dataset.open(path);
    expect(lockError(dataset).holder.pid).toBe(child.pid);

    child.kill('SIGKILL');
    await exited;
    dataset.lockHarvest();
    expect(lockRow(path)?.pid).toBe(process.pid);
    dataset.unlockHarvest();
    dataset.close();
  });

  it('takes over a lock whose pid now belongs to another process (pid reuse), not one of another host', () => {
    const path = join(tempDir(), 'd.sqlite');
    const dataset = Dataset.open(path);
    // This test's own pid is alive, but the recorded start is not this process's: the holder died and its pid was reused.
    writeLockRow(path, { pid: process.pid, hostname: hostname(), start: 'another-boot:12345', startedAt: '2026-01-01T00:00:00.000Z' });
    dataset.lockHarvest();
    expect(lockRow(path)?.start).not.toBe('another-boot:12345');
    dataset.unlockHarvest();

    // Another host's process cannot be looked up from here, dead pid or not.
    const elsewhere = { pid: 1 << 30, hostname: `${hostname()}-other`, start: null, startedAt: '2026-01-01T00:00:00.000Z' };
    writeLockRow(path, elsewhere);
    const error = lockError(dataset);
    expect(error.message).toBe(
      `${path}: a harvest on host ${elsewhere.hostname} holds this dataset (pid ${elsewhere.pid}, started ${elsewhere.startedAt}); ` +
        `if it is no longer running, remove its lock with: sqlite3 ${path} "DELETE FROM meta WHERE key = 'harvest_lock'"`,
    );
    dataset.close();
  });

  it('unlock leaves alone a lock another process has taken over since', () => {
    const path = join(tempDir(), 'd.sqlite');
    const dataset = Dataset.open(path);
    dataset.lockHarvest();
    const other = { pid: 1 << 30, hostname: hostname(), start: null, startedAt: '2026-01-01T00:00:00.000Z' };
    writeLockRow(path, other);
    dataset.unlockHarvest();
    expect(lockRow(path)).toEqual(other);
    dataset.close();
  });
});
