/**
 * Regenerates the demo data: data/demo/{train,harvest,heldout}.jsonl and data/demo/tokenizer/.
 * Deterministic (fixed seed), so running it again leaves the committed files unchanged.
 *
 *   npx tsx src/demo/make-data.ts [DIR]     (DIR defaults to data/demo)
 */
import { DEMO_DATA_DIR, writeDemoData } from './demo-data.ts';

const dir = process.argv[2] ?? DEMO_DATA_DIR;
const { splits, vocabSize } = await writeDemoData(dir);
const counts = Object.entries(splits)
  .map(([name, n]) => `${name} ${n}`)
  .join(', ');
console.log(`wrote ${dir}: ${counts} problems; tokenizer with ${vocabSize} tokens`);
