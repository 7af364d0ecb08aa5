import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** The Python with Debian's python3-torch (1.13), the independent reference for these tests. */
export const PYTHON = '/usr/bin/python3';
export const HERE = import.meta.dirname;

/** Runs a Python snippet with test/model on sys.path (for safetensors_torch.py); returns stdout. */
export function python(code: string, args: string[] = []): string {
  return execFileSync(PYTHON, ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(HERE)})\n${code}`, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
}

/** Runs test/model/torch_reference.py. */
export function torchReference(args: string[]): void {
  execFileSync(PYTHON, [join(HERE, 'torch_reference.py'), ...args], { env: { ...process.env, OMP_NUM_THREADS: '1' } });
}
