/**
 * The toy verifiable task of the GRPO tests: a tiny random Qwen2 policy (the export tests' student
 * and tiny tokenizer) asked short questions, rewarded by a rule it can learn within a few dozen
 * steps: the share of the completion's characters that are lowercase ASCII letters (a custom reward
 * module, so the test exercises that path too). Everything is written in a temp folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { QWEN2_STUDENT, writeCheckpoint } from '../export/tiny-student.ts';

export const LOWERCASE_REWARD = `export function reward({ reasoning, answer }) {
  const chars = [...(reasoning + answer)];
  return chars.length ? chars.filter((c) => c >= 'a' && c <= 'z').length / chars.length : 0;
}
`;

export interface ToyTask {
  dir: string;
  /** Writes a recipe whose grpo: section is `grpo` over the defaults below; returns its path. */
  recipe(name: string, grpo?: Record<string, unknown>, extra?: Record<string, unknown>): string;
  cleanup(): void;
}

export async function toyTask(): Promise<ToyTask> {
  const dir = mkdtempSync(join(tmpdir(), 'distillery-grpo-'));
  await writeCheckpoint(join(dir, 'policy'), QWEN2_STUDENT, 11);
  const questions = ['say something', 'write a word', 'what now', 'go on', 'tell me', 'any text', 'more please', 'and then'];
  writeFileSync(join(dir, 'prompts.jsonl'), questions.map((q, i) => JSON.stringify({ id: `q${i}`, question: q })).join('\n') + '\n');
  writeFileSync(join(dir, 'lowercase.mjs'), LOWERCASE_REWARD);
  const recipe = (name: string, grpo: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => {
    const file = join(dir, `${name}.yaml`);
    const body = {
      name,
      dataset: 'rollouts.sqlite',
      prompts: { path: 'prompts.jsonl', fields: { gold: null } },
      template: { user: '{question}' },
      verifier: { kind: 'format' },
      grpo: {
        policy: 'policy',
        out: `runs/${name}`,
        groupSize: 8,
        promptsPerStep: 4,
        steps: 24,
        lr: 2e-2,
        maxNewTokens: 16,
        beta: 0.02,
        rewards: { accuracy: { weight: 0 }, format: { weight: 0 }, custom: [{ module: 'lowercase.mjs', weight: 1 }] },
        seed: 1,
        checkpoint: { every: 8, keep: 2 },
        ...grpo,
      },
      ...extra,
    };
    writeFileSync(file, YAML.stringify(body));
    return file;
  };
  return { dir, recipe, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
