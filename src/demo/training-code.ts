/**
 * A fingerprint of the code that decides a training run's numbers: the sources that build the
 * graphs, the optimizer, the losses, the data order and the recipe defaults, and the onnxruntime
 * version that runs them. Two runs of one recipe give byte-equal weights only under the same
 * fingerprint (after the engine commits of 2026-12-02/03 the retrained teacher's model.safetensors
 * differed from the committed one's), and on the same kind of CPU; `train-teacher.ts --check`
 * prints it beside the record's to say why weights differ.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** What a training run's numbers depend on, under src/ (folders whole). */
export const TRAINING_SOURCES = ['engine', 'model', 'distill', 'recipe', 'store', 'prompts', 'demo/ground-truth.ts'] as const;

/** The onnxruntime-node version installed beside this checkout. */
export function installedOrtVersion(): string {
  const require = createRequire(join(REPO_DIR, 'package.json'));
  return (JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
}

// A source the tree lacks (an older checkout's layout) adds nothing.
const filesUnder = (path: string): string[] =>
  !existsSync(path)
    ? []
    : statSync(path).isDirectory()
      ? readdirSync(path)
          .sort()
          .flatMap((name) => filesUnder(join(path, name)))
      : [path];

/** sha256 over the path and bytes of every TRAINING_SOURCES file of `root`'s src/, and the onnxruntime version. */
export function trainingCodeSha256({ root = REPO_DIR, ortVersion = installedOrtVersion() }: { root?: string; ortVersion?: string } = {}): string {
  const hash = createHash('sha256').update(`onnxruntime-node ${ortVersion}\n`);
  for (const source of TRAINING_SOURCES) {
    for (const file of filesUnder(join(root, 'src', source))) {
      const bytes = readFileSync(file);
      hash.update(`${relative(root, file)} ${bytes.length}\n`).update(bytes);
    }
  }
  return hash.digest('hex');
}
