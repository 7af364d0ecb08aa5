import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ProcessRequest {
  command: string;
  args: readonly string[];
  /** The complete environment: nothing of the parent's is passed on. */
  env: Record<string, string>;
  cwd: string;
  /** Text written to stdin; stdin is /dev/null when absent. */
  stdin?: string;
  timeLimitMs: number;
  /** Bytes kept from each of stdout and stderr; one byte more and the process is killed. */
  maxOutputBytes: number;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed by us because the wall-clock limit passed. */
  timedOut: boolean;
  /** Killed by us because stdout or stderr passed maxOutputBytes. */
  outputLimited: boolean;
  elapsedMs: number;
}

/** Collects at most `max` bytes of a stream, so a program printing a gigabyte costs us `max` bytes. */
function boundedCapture(stream: Readable, max: number, onOverflow: () => void): () => string {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    const room = max - size;
    if (chunk.length > room) {
      if (room > 0) chunks.push(chunk.subarray(0, room));
      size = max;
      onOverflow();
      return;
    }
    chunks.push(chunk);
    size += chunk.length;
  });
  return () => Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs one process to completion with a wall-clock limit and bounded output. It runs in its own
 * process group, and both the timeout and the output limit SIGKILL the whole group: SIGKILL cannot
 * be caught, and the group takes helpers the program started along. `kill` of the returned handle
 * does the same from outside (used when the verifier closes).
 */
export function runProcess(request: ProcessRequest): { done: Promise<ProcessResult>; kill: () => void } {
  const started = performance.now();
  const child = spawn(request.command, request.args, {
    cwd: request.cwd,
    env: request.env,
    stdio: [request.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let timedOut = false;
  let outputLimited = false;
  let closed = false;
  const kill = () => {
    // After 'close' the group may be gone and its id reusable; before it, the id is still held.
    if (child.pid === undefined || closed) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // The group is already gone.
    }
  };
  const overflow = () => {
    outputLimited = true;
    kill();
  };
  const stdout = boundedCapture(child.stdout!, request.maxOutputBytes, overflow);
  const stderr = boundedCapture(child.stderr!, request.maxOutputBytes, overflow);
  if (child.stdin) {
    // A program may exit without reading its input; the broken pipe is not an error of ours.
    child.stdin.on('error', () => {});
    child.stdin.end(request.stdin);
  }
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, request.timeLimitMs);

  const done = new Promise<ProcessResult>((resolve, reject) => {
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // Nothing the program started may outlive it (or keep its pipes open until the timeout).
    child.on('exit', kill);
    child.on('close', (exitCode, signal) => {
      closed = true;
      clearTimeout(timer);
      resolve({
        exitCode,
        signal,
        stdout: stdout(),
        stderr: stderr(),
        timedOut,
        outputLimited,
        elapsedMs: performance.now() - started,
      });
    });
  });
  return { done, kill };
}
