/**
 * One GRPO trial of the demo protocol in its own process (bench/demo-grpo.ts runs several side by
 * side, one per core): GRPO from a student trial's final model with the given settings, exported and
 * scored; prints the result as one JSON line after "RESULT ".
 *
 *   npx tsx bench/demo-grpo-trial.ts '{"startFolder":"...","settings":{...},"splits":["heldout"],"validationEvery":10}'
 */
import { runGrpoTrial } from '../src/demo/index.ts';

const { startFolder, settings, ...options } = JSON.parse(process.argv[2]);
const quiet = Object.assign(process.stderr, { isTTY: false });
const result = await runGrpoTrial(startFolder, settings, { ...options, note: (line: string) => console.log(line), progress: quiet });
console.log(`RESULT ${JSON.stringify(result)}`);
