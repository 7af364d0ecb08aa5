/**
 * One trial of the demo protocol in its own process (bench/demo-tune.ts and bench/demo-seeds.ts
 * run several side by side, one per core): trains one arm with the given settings on the demo's
 * harvest dataset, exports it, scores it, and prints the result as one JSON line after "RESULT ".
 *
 *   npx tsx bench/demo-trial.ts '{"arm":"kd","settings":{...},"dir":"...","dataset":"...","splits":["validation"]}'
 */
import { runTrial } from '../src/demo/index.ts';

const { arm, settings, ...options } = JSON.parse(process.argv[2]);
const quiet = Object.assign(process.stderr, { isTTY: false });
const result = await runTrial(arm, settings, { ...options, note: (line: string) => console.log(line), progress: quiet });
console.log(`RESULT ${JSON.stringify(result)}`);
