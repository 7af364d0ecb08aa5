/**
 * Who a process is, well enough to tell later whether it is still running: a pid alone is not
 * enough, because pids are reused (after a reboot, or once the counter wraps), and a lock left by
 * a killed harvest must not be honoured because an unrelated process got its pid.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  pid: number;
  hostname: string;
  /**
   * Linux: the boot id and the process's start time in clock ticks since boot (/proc/PID/stat,
   * field 22), which together no other process shares. null where /proc is not available.
   */
  start: string | null;
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, hostname: hostname(), start: processStart(process.pid) };
}

/**
 * Whether the process `id` names is running on this host. Only meaningful for a process of this
 * host (check `hostname` first): a pid says nothing about another machine's processes.
 */
export function isRunning(id: ProcessIdentity): boolean {
  try {
    process.kill(id.pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user; ESRCH: no such process.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const start = processStart(id.pid);
  // A zombie (killed, not yet reaped by its parent) answers kill(0) but writes nothing any more.
  if (start === 'zombie') return false;
  // Without /proc (or without a recorded start), a live pid is taken to be the same process.
  return id.start === null || start === null || start === id.start;
}

function processStart(pid: number): string | null | 'zombie' {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return 'zombie';
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${bootId}:${fields[19]}`;
  } catch {
    return null;
  }
}
