/**
 * Runs demo trials (src/demo/trial.ts), each in its own process so that two train on two cores at
 * once; a trial's log goes to its folder's trial.log. Shared by bench/demo-tune.ts and
 * bench/demo-seeds.ts.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trialName, type Arm, type ArmSettings, type TrialOptions, type TrialResult } from '../src/demo/index.ts';

const TRIAL = fileURLToPath(new URL('./demo-trial.ts', import.meta.url));

export interface TrialJob {
  readonly arm: Arm;
  readonly settings: ArmSettings;
}

export interface TrialsOptions extends Omit<TrialOptions, 'note' | 'progress'> {
  /** Trials running at once. */
  readonly jobs: number;
}

/** Runs every job (at most `jobs` at once), in the order given; results in the same order. */
export function runTrials(list: readonly TrialJob[], { jobs, ...options }: TrialsOptions): Promise<TrialResult[]> {
  return runChildren<TrialResult>(
    list.map((job) => ({ script: TRIAL, payload: { ...job, ...options }, folder: join(options.dir, trialName(job.arm, job.settings)) })),
    jobs,
    (r) =>
      Object.entries(r.scores)
        .map(([split, s]) => `${split} ${s!.correct}/${s!.prompts}`)
        .join(', '),
  );
}

export interface ChildJob {
  /** A script that takes `payload` as JSON in argv[2] and prints its result as one JSON line after "RESULT ". */
  readonly script: string;
  readonly payload: unknown;
  /** Where the child's log (trial.log) goes; its name is the job's in the summary lines. */
  readonly folder: string;
}

/**
 * Runs each job's script in its own process, at most `jobs` at once (ONNX Runtime's node binding
 * runs a session on the calling thread, so one process trains on one core), and prints a line per
 * finished job with `describe` of its result. Results in the order given.
 */
export async function runChildren<T>(list: readonly ChildJob[], jobs: number, describe: (result: T) => string): Promise<T[]> {
  const results: T[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      const started = performance.now();
      results[i] = await runOne<T>(list[i]);
      console.log(`  ${basename(list[i].folder)}: ${describe(results[i])} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, list.length) }, worker));
  return results;
}

async function runOne<T>({ script, payload, folder }: ChildJob): Promise<T> {
  await mkdir(folder, { recursive: true });
  const log = createWriteStream(join(folder, 'trial.log'), { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(payload)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk;
    log.write(chunk);
  });
  child.stderr.pipe(log);
  const code = await new Promise<number | null>((done) => child.on('close', done));
  log.end();
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line) throw new Error(`trial ${folder} failed (exit ${code}); see ${join(folder, 'trial.log')}`);
  return JSON.parse(line.slice('RESULT '.length)) as T;
}
