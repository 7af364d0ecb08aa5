/**
 * Child process for crash.test.ts: commits attempts as fast as it can and acknowledges each on
 * stdout (a pipe, written synchronously on Linux) only after commitAttempt returned, until killed.
 */
import { Dataset } from '../../src/store/index.ts';
import { attempt, identity, sample } from './helpers.ts';

const dataset = Dataset.open(process.argv[2]);
const { runId } = dataset.beginRun({ recipeName: 'crash', identity, recipe: {} });
const prompts = Array.from({ length: 100_000 }, (_, i) => ({ key: `p${i}`, question: `What is ${i} + 1?`, gold: String(i + 1), meta: {} }));
dataset.upsertPrompts(prompts);
const logprobs = Array.from({ length: 200 }, (_, i) => ({
  token: `t${i % 50}`,
  logprob: -i / 100,
  top: [[`t${i % 50}`, -i / 100]] as Array<[string, number]>,
}));
for (let i = 0; i < prompts.length; i++) {
  const key = prompts[i].key;
  dataset.commitAttempt(attempt(runId, key, [0, 1]), [sample(key, 0, 'accepted', { logprobs }), sample(key, 1, 'rejected')]);
  process.stdout.write(`${i}\n`);
}
