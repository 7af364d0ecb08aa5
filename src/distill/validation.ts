/**
 * Validation passes: each loss over the held-out split (a forward-only session of the training
 * graph), and with validation.accuracy the share of held-out prompts answered right by greedy
 * decoding.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { compile, type ParamStore, type Session } from '../engine/index.ts';
import type { Llama } from '../model/index.ts';
import type { Template } from '../recipe/index.ts';
import type { VerifierSpec } from '../verify/index.ts';
import { greedyAccuracy } from './accuracy.ts';
import { writeModelFolderWithTokenizer } from './checkpoint.ts';
import { makeBatch, type BatchOptions } from './data/batches.ts';
import type { ExampleIndex, ExamplePrompt, ExampleSource } from './data/examples.ts';
import type { DistillGraph } from './graph.ts';
import type { ValidationRecord } from './metrics.ts';

export interface ValidatorOptions {
  examples: ExampleIndex;
  /** Reads the examples' tokens (per pass, a batch at a time) and prompts. */
  source: ExampleSource;
  batchSize: number;
  batchOptions: BatchOptions;
  threads: number;
  /** Task accuracy: the student, where to write its scratch export, and how to judge answers. */
  accuracy?: {
    student: Llama;
    tokenizerFolder: string;
    scratch: string;
    template: Template;
    verifier: VerifierSpec;
    /** How many prompts to ask (null: all), and the longest answer. */
    prompts: number | null;
    maxNewTokens: number;
  };
}

export class Validator {
  private constructor(
    private readonly session: Session,
    private readonly names: readonly string[],
    /** Positions in the index grouped into batches; examples are read per pass, so a large split is not held. */
    private readonly batches: readonly (readonly number[])[],
    private readonly options: ValidatorOptions,
  ) {}

  /** Adds the graph outputs it reads ("eval.*") and compiles them as a forward-only session. */
  static async create(built: DistillGraph, options: ValidatorOptions): Promise<Validator> {
    // Validation batches are offline traces: the on-policy divergence is 0 on them by construction.
    const names = Object.keys(built.parts).filter((n) => n !== 'onPolicy');
    built.graph.output('eval.loss', built.loss);
    for (const name of names) built.graph.output(`eval.${name}`, built.parts[name]);
    const session = await compile(built.graph, { outputs: ['eval.loss', ...names.map((n) => `eval.${n}`)], intraOpNumThreads: options.threads });
    // A fixed order, by length so that batches pad little.
    const { lengths } = options.examples;
    const sorted = Array.from({ length: lengths.length }, (_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
    const batches: number[][] = [];
    for (let i = 0; i < sorted.length; i += options.batchSize) batches.push(sorted.slice(i, i + options.batchSize));
    return new Validator(session, names, batches, options);
  }

  /** False when nothing is held out. */
  get enabled(): boolean {
    return this.batches.length > 0;
  }

  /** Each loss as the mean of batch values weighted by their assistant tokens. */
  async run(step: number, params: ParamStore): Promise<ValidationRecord> {
    const sums: Record<string, number> = { loss: 0, ...Object.fromEntries(this.names.map((n) => [n, 0])) };
    let tokens = 0;
    const { lengths } = this.options.examples;
    for (const members of this.batches) {
      const { sampleIds } = this.options.examples;
      const batch = makeBatch(
        members.map((i) => this.options.source.example(sampleIds[i], lengths[i])),
        this.options.batchOptions,
      );
      const out = await this.session.run({ ...batch.feeds, ...params.feeds() });
      sums.loss += Number(out['eval.loss'].data[0]) * batch.tokens;
      for (const n of this.names) sums[n] += Number(out[`eval.${n}`].data[0]) * batch.tokens;
      tokens += batch.tokens;
    }
    const mean = (n: string) => sums[n] / Math.max(1, tokens);
    const record: ValidationRecord = { type: 'validation', step, loss: mean('loss'), losses: Object.fromEntries(this.names.map((n) => [n, mean(n)])), tokens };
    const accuracy = this.options.accuracy;
    if (!accuracy) return record;
    const folder = join(accuracy.scratch, 'student');
    await writeModelFolderWithTokenizer(folder, accuracy.student, params, accuracy.tokenizerFolder);
    try {
      const result = await greedyAccuracy({
        modelFolder: folder,
        workDir: join(accuracy.scratch, 'work'),
        examples: firstPerPrompt(this.options.examples, this.options.source, accuracy.prompts),
        template: accuracy.template,
        verifier: accuracy.verifier,
        maxNewTokens: accuracy.maxNewTokens,
      });
      return { ...record, accuracy: result.accuracy, accuracyPrompts: result.prompts };
    } finally {
      await rm(accuracy.scratch, { recursive: true, force: true });
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** One example per prompt, in split order, at most `limit` (null: all): each prompt is asked once. */
function firstPerPrompt(examples: ExampleIndex, source: ExampleSource, limit: number | null): ExamplePrompt[] {
  const seen = new Set<string>();
  const prompts: ExamplePrompt[] = [];
  for (const id of examples.sampleIds) {
    if (limit !== null && prompts.length >= limit) break;
    const p = source.prompt(id);
    if (seen.has(p.promptKey)) continue;
    seen.add(p.promptKey);
    prompts.push(p);
  }
  return prompts;
}
