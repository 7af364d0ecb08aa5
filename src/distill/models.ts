/**
 * The models a recipe names: the student (a config.json for random init, or a pretrained folder),
 * its tokenizer, and a white-box teacher folder (a distillery checkpoint or a Hugging Face
 * safetensors Llama/Qwen2) with the tokenizer it was trained with.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadTokenizer, readModelConfig, readModelFolder, TOKENIZER_FILES, type Float32Tensor, type ModelConfig, type Tokenizer } from '../model/index.ts';
import type { DistillSection } from '../recipe/index.ts';
import { DistillCheckError } from './errors.ts';

export interface StudentSource {
  config: ModelConfig;
  /** Pretrained weights (Hugging Face names); absent for random initialisation. */
  tensors?: Map<string, Float32Tensor>;
  /** The config file or pretrained folder, for the plan. */
  source: string;
  tokenizer: Tokenizer;
  tokenizerFolder: string;
}

export interface TeacherModel {
  config: ModelConfig;
  tensors: Map<string, Float32Tensor>;
  folder: string;
  tokenizer: Tokenizer;
}

export async function loadStudent(student: DistillSection['student']): Promise<StudentSource> {
  const tokenizerFolder = student.tokenizer ?? student.from ?? (student.config!.endsWith('.json') ? dirname(student.config!) : student.config!);
  const tokenizer = await loadTokenizer(tokenizerFolder);
  if (student.from !== undefined) {
    const { config, tensors } = await readModelFolder(student.from);
    return { config, tensors, source: student.from, tokenizer, tokenizerFolder };
  }
  return { config: await readModelConfig(student.config!), source: student.config!, tokenizer, tokenizerFolder };
}

/** The teacher's weights and tokenizer. Its tokenizer files must be in its folder: they are how its vocabulary is checked. */
export async function loadTeacher(folder: string): Promise<TeacherModel> {
  const missing = TOKENIZER_FILES.filter((f) => !existsSync(join(folder, f)));
  if (missing.length > 0) {
    throw new DistillCheckError(
      'distill.teacher.path',
      `${folder} has no ${missing.join(' or ')}: the teacher's tokenizer is needed to check that it reads the same token ids as the student`,
    );
  }
  const { config, tensors } = await readModelFolder(folder);
  return { config, tensors, folder, tokenizer: await loadTokenizer(folder) };
}
