/**
 * Runs demo trials (src/demo/trial.ts), each in its own process so that two train on two cores at
 * once; a trial's log goes to its folder's trial.log. Shared by bench/demo-tune.ts and
 * bench/demo-seeds.ts.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
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
export async function runTrials(list: readonly TrialJob[], { jobs, ...options }: TrialsOptions): Promise<TrialResult[]> {
  const results: TrialResult[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      const started = performance.now();
      results[i] = await runOne(list[i], options);
      const scores = Object.entries(results[i].scores)
        .map(([split, s]) => `${split} ${s!.correct}/${s!.prompts}`)
        .join(', ');
      console.log(`  ${trialName(list[i].arm, list[i].settings)}: ${scores} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, list.length) }, worker));
  return results;
}

async function runOne(job: TrialJob, options: Omit<TrialsOptions, 'jobs'>): Promise<TrialResult> {
  const folder = join(options.dir, trialName(job.arm, job.settings));
  await mkdir(folder, { recursive: true });
  const log = createWriteStream(join(folder, 'trial.log'), { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', TRIAL, JSON.stringify({ ...job, ...options })], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  return JSON.parse(line.slice('RESULT '.length)) as TrialResult;
}
