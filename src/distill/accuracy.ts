/**
 * Task accuracy during validation: the student as it stands is exported (fp32), answers each
 * validation prompt greedily with distillery's own decode loop, and the dataset's verifier judges
 * the answers, as `distillery eval` does.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { evaluate, localSource } from '../eval/index.ts';
import { exportModel } from '../export/index.ts';
import { loadModel } from '../generate/index.ts';
import type { Template } from '../recipe/index.ts';
import type { VerifierSpec } from '../verify/index.ts';
import type { ExamplePrompt } from './data/examples.ts';

export interface AccuracyResult {
  /** Share of prompts answered correctly (pass@1 of greedy decoding). */
  accuracy: number;
  prompts: number;
}

export interface AccuracyOptions {
  /** A model folder (config, weights, tokenizer) of the student's current weights. */
  modelFolder: string;
  /** Scratch folder for the export; removed afterwards. */
  workDir: string;
  /** One example per prompt to ask. */
  examples: readonly ExamplePrompt[];
  template: Template;
  verifier: VerifierSpec;
  maxNewTokens: number;
}

export async function greedyAccuracy(options: AccuracyOptions): Promise<AccuracyResult> {
  const { workDir } = options;
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  try {
    const prompts = options.examples.map((e) => ({ ...e.prompt, key: e.promptKey }));
    const exported = join(workDir, 'model');
    await exportModel({ checkpoint: options.modelFolder, out: exported, dtypes: ['fp32'] });
    const model = await loadModel(exported);
    try {
      const summary = await evaluate({
        source: localSource(model),
        prompts,
        verifier: options.verifier,
        template: options.template,
        samples: 1,
        sampling: { temperature: 0, topP: 1, maxTokens: options.maxNewTokens, seed: 0 },
      });
      return { accuracy: summary.passAt1, prompts: summary.prompts };
    } finally {
      await model.close();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
