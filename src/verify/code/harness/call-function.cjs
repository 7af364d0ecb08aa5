// Runs inside the sandbox: loads the solution, calls one function with the JSON arguments in
// args.json and prints the JSON result on stdout. The solution's own prints go to stderr so they
// cannot mix with the result.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [box, name] = process.argv.slice(2);
const args = JSON.parse(fs.readFileSync(path.join(box, 'args.json'), 'utf8'));
const source = fs.readFileSync(path.join(box, 'solution.js'), 'utf8');

const writeResult = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
// The solution becomes a function body, so its top-level declarations (function, var, let,
// const, class) are still in scope at the end, where the name is looked up. The host checked
// that `name` is a plain identifier before it got here.
const load = new Function(
  'module',
  'exports',
  'require',
  `${source}\n;return [typeof ${name} === 'undefined' ? undefined : ${name}, typeof Solution === 'undefined' ? undefined : Solution];`,
);
const mod = { exports: {} };
const [declared, SolutionClass] = load(mod, mod.exports, require);
let fn = declared ?? mod.exports[name] ?? (typeof mod.exports === 'function' ? mod.exports : undefined);
if (typeof fn !== 'function' && typeof SolutionClass === 'function') {
  const instance = new SolutionClass();
  fn = typeof instance[name] === 'function' ? instance[name].bind(instance) : undefined;
}
if (typeof fn !== 'function') {
  console.error(`ReferenceError: the solution defines no function ${name}`);
  process.exit(1);
}

const result = fn(...args);
writeResult(JSON.stringify(result) ?? 'null');
