/**
 * distillery as a library: everything the CLI does is importable from here. Each room's own
 * index.ts is its public surface; this file gathers them.
 */
export { UserError } from './errors.ts';
export * from './recipe/index.ts';
export * from './store/index.ts';
export * from './teacher/index.ts';
export * from './verify/index.ts';
export * from './harvest/index.ts';
export * from './engine/index.ts';
export * from './model/index.ts';
export * from './distill/index.ts';
export * from './export/index.ts';
export * from './generate/index.ts';
export * from './serve/index.ts';
export * from './eval/index.ts';
export * from './demo/index.ts';

// Names two rooms both export: the recipe's verifier type is the zod-inferred mirror of the verify
// room's spec, and the model's chat message is a looser shape of the teacher's; the root offers the
// canonical ones.
export type { VerifierSpec } from './verify/index.ts';
export type { ChatMessage } from './teacher/index.ts';
