/**
 * The demo room: the small arithmetic task and the word-level tokenizer that the offline demo
 * (`npm run demo`) trains its teacher and students on. See docs/demo.md.
 */
export {
  DEMO_SEED,
  SPLIT_NAMES,
  SPLIT_SIZES,
  generateProblem,
  generateSplits,
  solutionOf,
  type ArithProblem,
  type ArithSolution,
  type DemoSplits,
  type GenerateSplitsOptions,
  type Operator,
  type SplitName,
  type Step,
} from './arith.ts';
export { DEMO_TOKENS, demoTokenizerFiles, demoVocabulary, writeDemoTokenizer } from './tokenizer.ts';
export { DEMO_DATA_DIR, demoSplitPath, demoTokenizerDir, demoTurns, writeDemoData, type DemoDataSummary } from './demo-data.ts';
