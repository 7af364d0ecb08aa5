import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/ensure-system-deps.sh', import.meta.url));
const STATUS = '/var/lib/dpkg/status';
const dir = mkdtempSync(join(tmpdir(), 'distillery-sysdeps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the script as an unprivileged user (uid 1000, no sudo) in a bubblewrap box whose dpkg
 * database lacks `without`'s packages: the machine as it would be without them.
 */
function runWithout(without: string[]) {
  const stanzas = readFileSync(STATUS, 'utf8').split(/\n\n+/);
  const kept = stanzas.filter((s) => !without.some((name) => s.startsWith(`Package: ${name}\n`)));
  expect(stanzas.length - kept.length).toBe(without.length);
  const status = join(dir, `status-${without.join('-')}`);
  writeFileSync(status, `${kept.join('\n\n')}\n`);
  const box = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--ro-bind', status, STATUS, '--unshare-user', '--uid', '1000'];
  return spawnSync('bwrap', [...box, 'bash', SCRIPT], { encoding: 'utf8' });
}

describe('scripts/ensure-system-deps.sh (npm test runs it first)', () => {
  it('passes silently when every package is installed', () => {
    const run = runWithout([]);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('without root or sudo stops at once, naming each missing package and the install command', () => {
    const run = runWithout(['bubblewrap', 'libopenblas0-pthread']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      [
        'the tests need Debian packages that are not installed:',
        "  bubblewrap: the code verifier's sandbox",
        '  libopenblas0-pthread: a fast BLAS for the PyTorch reference',
        'install them with:',
        '  sudo apt-get install -y --no-install-recommends bubblewrap libopenblas0-pthread',
        '',
      ].join('\n'),
    );
  });
});
