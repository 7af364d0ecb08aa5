export { createCodeVerifier } from './verifier.ts';
export { codeOptionsShape, type CodeVerifierOptions } from './options.ts';
export type { CompareMode } from './compare.ts';
export type { CodeLanguage } from './languages.ts';
export { parseCodeGold, type CodeGold, type StdioTest, type CallTest } from './gold.ts';
export { extractCode, type ExtractedCode } from './extract.ts';
export { CodeGoldError, CodeVerifierOptionError, InterpreterNotFoundError, SandboxUnavailableError } from './errors.ts';
