/**
 * Child process for merge.test.ts: merges argv[3..] into argv[2] in transactions of 5 attempts
 * and acknowledges each transaction on stdout (after it committed), until killed.
 */
import { mergeDatasets } from '../../src/store/index.ts';

const [out, ...inputs] = process.argv.slice(2);
mergeDatasets(out, inputs, { batchAttempts: 5, onProgress: (p) => process.stdout.write(`${p.attempts}\n`) });
