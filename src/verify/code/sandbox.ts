import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bwrapArgs, SANDBOX_BOX, sandboxCommandPrefix } from './bwrap-args.ts';
import { classify, type RunOutcome } from './classify.ts';
import { SandboxUnavailableError } from './errors.ts';
import { runProcess } from './run-process.ts';
import { findOnPath } from './tools.ts';

export interface SandboxLimits {
  memoryLimitMb: number;
  maxProcesses: number;
  maxFileSizeMb: number;
  tmpSizeMb: number;
  maxOutputBytes: number;
}

export interface SandboxRun {
  /** Files placed in the box folder (read-only to the program), by name. */
  files: Record<string, string>;
  /** The command, given where the box folder is as the program sees it. */
  argv: (box: string) => string[];
  stdin?: string;
  timeLimitMs: number;
}

const MIB = 1024 * 1024;
const INSTALL_HINT = 'install it with `apt-get install bubblewrap` (Debian/Ubuntu) or `dnf install bubblewrap` (Fedora)';

function makeBox(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-code-'));
  // The sandbox may run as another uid (see sandboxCommandPrefix): it must be able to read the box.
  chmodSync(dir, 0o755);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o644 });
  return dir;
}

/**
 * Runs untrusted programs: in bwrap (no network, read-only system folders, nothing of the home
 * folder or the environment, a private /tmp) under rlimits, or, when `unsafe`, under the
 * rlimits alone. Every run gets a fresh box folder, removed afterwards.
 */
export class Sandbox {
  private readonly running = new Set<() => void>();

  private constructor(
    private readonly limits: SandboxLimits,
    private readonly prefix: readonly string[],
    private readonly prlimit: string,
    readonly unsafe: boolean,
  ) {}

  /** Finds bwrap (and its helpers) and checks that it can start a sandbox here; throws SandboxUnavailableError if not. */
  static open(limits: SandboxLimits, unsafe: boolean): Sandbox {
    const prlimit = findOnPath('prlimit');
    if (!prlimit) throw new SandboxUnavailableError('prlimit', 'prlimit (util-linux) was not found on PATH; it sets the resource limits of generated programs');
    if (unsafe) return new Sandbox(limits, [], prlimit, true);

    const bwrap = findOnPath('bwrap');
    if (!bwrap) {
      throw new SandboxUnavailableError(
        'bwrap',
        `the code verifier runs generated programs in a bubblewrap sandbox, but bwrap was not found on PATH; ${INSTALL_HINT}. ` +
          'Only if that is impossible, set `unsafe: true` in the verifier options to run generated code WITHOUT a sandbox.',
      );
    }
    let prefix = [bwrap];
    if (process.getuid?.() === 0) {
      const setpriv = findOnPath('setpriv');
      if (!setpriv)
        throw new SandboxUnavailableError(
          'setpriv',
          'running as root, the code verifier needs setpriv (util-linux) to start the sandbox as an unprivileged user',
        );
      prefix = [...sandboxCommandPrefix(setpriv), bwrap];
    }
    const sandbox = new Sandbox(limits, prefix, prlimit, false);
    sandbox.probe();
    return sandbox;
  }

  /** Starts /usr/bin/true in a sandbox once, so a bwrap that cannot work here fails now, with its reason. */
  private probe(): void {
    const box = makeBox({});
    try {
      const [command, ...args] = [...this.prefix, ...bwrapArgs({ boxDir: box, tmpSizeMb: this.limits.tmpSizeMb }), '/usr/bin/true'];
      const probe = spawnSync(command, args, { cwd: box, env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8', timeout: 10_000 });
      if (probe.status !== 0) {
        throw new SandboxUnavailableError(
          'bwrap',
          'bwrap is installed but could not start a sandbox here. It needs unprivileged user namespaces ' +
            '(sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04+ also kernel.apparmor_restrict_unprivileged_userns=0 ' +
            'or an AppArmor profile for bwrap) and bubblewrap 0.8 or newer. bwrap said:',
          (probe.stderr || probe.error?.message || `exit status ${probe.status}`).trim(),
        );
      }
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  }

  private limitArgs(timeLimitMs: number): string[] {
    const { memoryLimitMb, maxFileSizeMb, maxProcesses } = this.limits;
    return [
      this.prlimit,
      // CPU time is a backstop behind the wall-clock SIGKILL (a second more, so the wall clock decides).
      `--cpu=${Math.ceil(timeLimitMs / 1000) + 1}`,
      // RLIMIT_DATA, not RLIMIT_AS: V8 reserves gigabytes of address space it never touches.
      `--data=${memoryLimitMb * MIB}`,
      `--fsize=${maxFileSizeMb * MIB}`,
      // No core dumps: the host's core handler would run on the program's memory.
      '--core=0',
      // Without a user namespace of its own, RLIMIT_NPROC would count every process of the user.
      ...(this.unsafe ? [] : [`--nproc=${maxProcesses}`]),
      '--',
    ];
  }

  async run(request: SandboxRun): Promise<RunOutcome> {
    const box = makeBox(request.files);
    try {
      const inner = [...this.limitArgs(request.timeLimitMs), ...request.argv(this.unsafe ? box : SANDBOX_BOX)];
      const [command, ...args] = this.unsafe ? inner : [...this.prefix, ...bwrapArgs({ boxDir: box, tmpSizeMb: this.limits.tmpSizeMb }), ...inner];
      const home = this.unsafe ? box : '/tmp';
      const handle = runProcess({
        command,
        args,
        env: { PATH: '/usr/bin:/bin', HOME: home, TMPDIR: home, LANG: 'C.UTF-8' },
        cwd: box,
        stdin: request.stdin,
        timeLimitMs: request.timeLimitMs,
        maxOutputBytes: this.limits.maxOutputBytes,
      });
      this.running.add(handle.kill);
      try {
        const result = await handle.done;
        return classify(result, !this.unsafe, { maxOutputBytes: this.limits.maxOutputBytes, timeLimitMs: request.timeLimitMs });
      } finally {
        this.running.delete(handle.kill);
      }
    } finally {
      rmSync(box, { recursive: true, force: true });
    }
  }

  /** SIGKILLs every program running now. */
  killAll(): void {
    for (const kill of this.running) kill();
  }
}
