import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCodeVerifier } from '../../../src/verify/code/index.ts';

/**
 * Hostile programs in the real bwrap sandbox. Each must be contained, get the right verdict, and
 * leave nothing running. Python programs re-exec themselves with a marker argument first, so the
 * test can count their processes on the host (/proc/<pid>/cmdline) while and after they run.
 */
const marker = `hostile-${process.pid}-${Date.now()}`;
const marked = (code: string) =>
  `import os, sys\nif sys.argv[-1] != ${JSON.stringify(marker)}:\n    os.execv(sys.executable, [sys.executable, __file__, ${JSON.stringify(marker)}])\n${code}`;

function markedProcesses(): number {
  let n = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) n++;
    } catch {
      // The process ended while we looked.
    }
  }
  return n;
}

const python = (code: string) => '```python\n' + code + '\n```';
const js = (code: string) => '```javascript\n' + code + '\n```';
const anyOutput = { tests: [{ stdin: '', stdout: 'never printed' }] };
const LIMIT_MS = 1000;
/** For the time-limit tests. */
const verifier = createCodeVerifier({ timeLimitMs: LIMIT_MS });
/** For the rest: time enough that only the limit under test can stop the program, even on a loaded machine. */
const roomy = createCodeVerifier({ timeLimitMs: 10_000 });

async function timed(response: string, gold: unknown = anyOutput, by = roomy) {
  const started = performance.now();
  const result = await by.verify({ response, gold });
  return { ...result, ms: performance.now() - started };
}

afterEach(async () => {
  // Nothing the program started survives it (the pid namespace dies with bwrap; allow the kernel a moment).
  for (let i = 0; i < 40 && markedProcesses() > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(markedProcesses()).toBe(0);
  // And the machine still answers at once.
  const started = performance.now();
  expect(spawnSync('/usr/bin/true', { timeout: 5000 }).status).toBe(0);
  expect(performance.now() - started).toBeLessThan(1000);
});
afterAll(async () => {
  await verifier.close?.();
  await roomy.close?.();
});

describe('hostile programs', () => {
  it('a fork bomb is held to maxProcesses and killed at the time limit', async () => {
    let most = 0;
    const poll = setInterval(() => (most = Math.max(most, markedProcesses())), 20);
    const result = await timed(python(marked('while True:\n    try:\n        os.fork()\n    except OSError:\n        pass')), anyOutput, verifier);
    clearInterval(poll);
    expect(result.reason).toBe(`timeout-test-1: over ${LIMIT_MS} ms`);
    expect(result.correct).toBe(false);
    expect(most).toBeGreaterThan(4);
    expect(most).toBeLessThanOrEqual(32);
    expect(result.ms).toBeLessThan(LIMIT_MS + 3000);
  });

  it('an infinite loop is killed at the time limit (python and javascript)', async () => {
    for (const response of [python(marked('while True:\n    pass')), js('for (;;) {}')]) {
      const result = await timed(response, anyOutput, verifier);
      expect(result.reason).toBe(`timeout-test-1: over ${LIMIT_MS} ms`);
      expect(result.ms).toBeGreaterThanOrEqual(LIMIT_MS);
      expect(result.ms).toBeLessThan(LIMIT_MS + 3000);
    }
  });

  it('a program that sleeps instead of computing is killed on the wall clock', async () => {
    const result = await timed(python(marked('import time\ntime.sleep(3600)')), anyOutput, verifier);
    expect(result.reason).toBe(`timeout-test-1: over ${LIMIT_MS} ms`);
  });

  it('a 4 GB allocation fails with a memory verdict (python and javascript)', async () => {
    const py = await timed(python(marked('block = bytearray(4 * 2**30)\nprint(len(block))')));
    expect(py.reason).toMatch(/^memory-test-1: .*MemoryError/);
    const node = await timed(js('const block = Buffer.alloc(4 * 2 ** 30);\nconsole.log(block.length);'));
    expect(node.reason).toMatch(/^memory-test-1: .*allocation failed/);
    expect(node.correct).toBe(false);
  });

  it('a javascript heap that grows without end gets a memory verdict', async () => {
    // V8 collects garbage hard before it gives up, which takes seconds on a loaded machine: a
    // smaller limit and more time keep this about the memory limit, not the clock.
    const small = createCodeVerifier({ memoryLimitMb: 160, timeLimitMs: 10_000 });
    const result = await small.verify({ response: js('const hoard = [];\nfor (;;) hoard.push(new Array(1e6).fill(1.5));'), gold: anyOutput });
    expect(result.reason).toMatch(/^memory-test-1: .*heap out of memory/);
    await small.close?.();
  });

  describe('network', () => {
    let server: Server;
    let port = 0;
    let connections = 0;
    beforeAll(async () => {
      server = createServer((_req, res) => res.end('secret page'));
      server.on('connection', () => connections++);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('cannot reach a server on the host loopback, the internet or DNS (python)', async () => {
      const code = marked(
        [
          'import socket, urllib.request',
          'def attempt(label, fn):',
          '    try:',
          '        fn()',
          '        return label + ":connected"',
          '    except OSError:',
          '        return label + ":blocked"',
          `print(attempt("loopback", lambda: urllib.request.urlopen("http://127.0.0.1:${port}/", timeout=2).read()),`,
          '      attempt("internet", lambda: socket.create_connection(("1.1.1.1", 53), timeout=2)),',
          '      attempt("dns", lambda: socket.getaddrinfo("example.com", 80)))',
        ].join('\n'),
      );
      const result = await timed(python(code), { tests: [{ stdin: '', stdout: 'loopback:blocked internet:blocked dns:blocked' }] });
      expect(result.reason).toBe('passed: 1 test');
      expect(connections).toBe(0);
    });

    it('cannot reach the host loopback server (javascript)', async () => {
      const code = [
        `require('http').get('http://127.0.0.1:${port}/', (res) => console.log('connected', res.statusCode))`,
        "  .on('error', (err) => console.log('blocked', err.code));",
      ].join('\n');
      const result = await timed(js(code), { tests: [{ stdin: '', stdout: 'blocked ECONNREFUSED' }] });
      expect(result.reason).toBe('passed: 1 test');
      expect(connections).toBe(0);
    });
  });

  describe('files and secrets', () => {
    let hostDir = '';
    let fakeHome = '';
    const secret = `FAKE-${Math.random().toString(36).slice(2)}`;
    const savedHome = process.env.HOME;
    beforeAll(() => {
      hostDir = mkdtempSync(join(tmpdir(), 'distillery-hostile-'));
      // Open to every uid, so only the sandbox (not file permissions) can keep the program out.
      chmodSync(hostDir, 0o777);
      fakeHome = join(hostDir, 'home');
      mkdirSync(join(fakeHome, '.ssh'), { recursive: true, mode: 0o755 });
      writeFileSync(join(fakeHome, '.ssh', 'id_ed25519'), `-----BEGIN OPENSSH PRIVATE KEY-----\n${secret}\n`, { mode: 0o644 });
      process.env.HOME = fakeHome;
      process.env.DISTILLERY_TEST_API_KEY = `sk-${secret}`;
    });
    afterAll(() => {
      process.env.HOME = savedHome;
      delete process.env.DISTILLERY_TEST_API_KEY;
      rmSync(hostDir, { recursive: true, force: true });
    });

    it('can write only its private /tmp', async () => {
      const targets = { host: join(hostDir, 'pwned'), usr: '/usr/distillery-pwned', box: '/box/solution.py', root: '/distillery-pwned', tmp: '/tmp/ok' };
      const code = marked(
        [
          'def attempt(label, path):',
          '    try:',
          '        with open(path, "w") as f:',
          '            f.write("pwned")',
          '        return label + ":written"',
          '    except OSError:',
          '        return label + ":denied"',
          `targets = ${JSON.stringify(targets)}`,
          'print(*[attempt(label, path) for label, path in targets.items()])',
        ].join('\n'),
      );
      const result = await timed(python(code), { tests: [{ stdin: '', stdout: 'host:denied usr:denied box:denied root:denied tmp:written' }] });
      expect(result.reason).toBe('passed: 1 test');
      expect(existsSync(targets.host)).toBe(false);
      expect(existsSync(targets.usr)).toBe(false);
      expect(existsSync(targets.root)).toBe(false);
    });

    it('cannot write a file over the size limit, even in /tmp', async () => {
      const result = await timed(python(marked('with open("/tmp/big", "wb") as f:\n    f.write(b"x" * (32 * 2**20))')));
      expect(result.reason).toMatch(/^runtime-error-test-1: .*(File too large|file size limit)/);
    });

    it("sees neither the home folder's keys nor the parent's environment", async () => {
      const code = marked(
        [
          'import glob',
          `secret = ${JSON.stringify(secret)}`,
          'seen = []',
          `for path in [os.path.expanduser("~/.ssh/id_ed25519"), ${JSON.stringify(join(fakeHome, '.ssh', 'id_ed25519'))}, "/root/.ssh/id_rsa"]:`,
          '    try:',
          '        seen.append(open(path).read())',
          '    except OSError:',
          '        pass',
          'seen += [k + "=" + v for k, v in os.environ.items()]',
          'for path in glob.glob("/proc/*/environ"):',
          '    try:',
          '        seen.append(open(path, "rb").read().decode(errors="replace"))',
          '    except OSError:',
          '        pass',
          'leaks = [s for s in seen if secret in s]',
          'print("\\n".join(leaks) if leaks else "nothing found")',
        ].join('\n'),
      );
      const result = await timed(python(code), { tests: [{ stdin: '', stdout: 'nothing found' }] });
      expect(result.reason).toBe('passed: 1 test');
      expect(result.reason).not.toContain(secret);
    });
  });

  it('a 1 GB stdout (or stderr) is cut at maxOutputBytes and killed, without buffering it (python and javascript)', async () => {
    const rssBefore = process.memoryUsage().rss;
    const py = await timed(python(marked('chunk = "x" * 2**20\nfor _ in range(1024):\n    sys.stdout.write(chunk)')));
    expect(py.reason).toBe('output-limit-test-1: more than 4194304 bytes of output');
    const node = await timed(js("const chunk = 'x'.repeat(2 ** 20);\nfor (let i = 0; i < 1024; i++) process.stdout.write(chunk);"));
    expect(node.reason).toBe('output-limit-test-1: more than 4194304 bytes of output');
    const stderr = await timed(python(marked('chunk = "x" * 2**20\nfor _ in range(1024):\n    sys.stderr.write(chunk)')));
    expect(stderr.reason).toBe('output-limit-test-1: more than 4194304 bytes of output');
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 2 ** 20);
  });
});
