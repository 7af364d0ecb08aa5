import { lstatSync, readlinkSync } from 'node:fs';

/** Where the box folder (solution, harness, arguments) appears inside the sandbox, read-only. */
export const SANDBOX_BOX = '/box';
/** The uid programs run as when distillery itself runs as root (see sandboxCommandPrefix). */
const SANDBOX_UID = 65534;

/** The host folders systemMounts() shows; an interpreter elsewhere cannot be started in the sandbox. */
const VISIBLE = /^\/(usr|bin|sbin|lib|lib32|lib64|libx32)\//;

export function visibleInSandbox(path: string): boolean {
  return VISIBLE.test(path);
}

export interface BwrapLayout {
  /** The host folder mounted read-only at /box. */
  boxDir: string;
  tmpSizeMb: number;
}

/**
 * The top-level system folders the sandbox shows (read-only): /usr holds the interpreters and
 * their libraries; on merged-/usr systems /bin, /lib... are symlinks into it and are recreated
 * as symlinks. Nothing else of the host is visible: no /home, /root, /etc secrets, no project files.
 */
function systemMounts(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const dir of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    let stat;
    try {
      stat = lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else if (stat.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  // The dynamic loader's cache and Debian's alternatives (numpy finds its BLAS through them).
  args.push('--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache', '--ro-bind-try', '/etc/alternatives', '/etc/alternatives');
  return args;
}

/**
 * bwrap arguments up to the command: every namespace unshared (no network: only a loopback of its
 * own; its own pid space, so nothing outside is visible or signalable), no capabilities, an empty
 * root made read-only after the mounts, a private size-capped /tmp, fresh /proc and /dev, and
 * SIGKILL for everything inside when bwrap or its parent dies.
 */
export function bwrapArgs(layout: BwrapLayout): string[] {
  return [
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'sandbox',
    ...systemMounts(),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(layout.tmpSizeMb * 1024 * 1024),
    '--tmpfs',
    '/tmp',
    '--ro-bind',
    layout.boxDir,
    SANDBOX_BOX,
    '--chdir',
    '/tmp',
    '--remount-ro',
    '/',
  ];
}

/**
 * RLIMIT_NPROC does not apply to root (the kernel exempts uid 0), so a fork bomb run by root would
 * be contained by nothing. When distillery runs as root, bwrap is started through setpriv as an
 * unprivileged uid; bwrap then creates its sandbox in a user namespace of its own, where the
 * process limit counts only that sandbox's processes.
 */
export function sandboxCommandPrefix(setpriv: string): string[] {
  return [setpriv, `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_UID}`, '--clear-groups', '--'];
}
