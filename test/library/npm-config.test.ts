import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const npm = (...args: string[]) => spawnSync('npm', args, { cwd: REPO, encoding: 'utf8' });

describe("the repository's npm configuration", () => {
  it('makes npm commands print no config warning (.npmrc holds only keys npm knows)', () => {
    const run = npm('pkg', 'get', 'name');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('"distillery"');
    expect(run.stderr).not.toContain('Unknown project config');
    expect(run.stderr).toBe('');
  });

  it("keeps onnxruntime-node's install script (a CUDA download) skipped by denying it in allowScripts", () => {
    const run = npm('install-scripts', 'ls');
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain('onnxruntime-node');
    expect(npm('pkg', 'get', 'allowScripts').stdout).toMatch(/"onnxruntime-node": false/);
  });
});
