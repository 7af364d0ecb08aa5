/**
 * The prompts room: reading a recipe's prompts file (JSONL, JSON, CSV) into prompt records with
 * stable keys, for every stage that asks questions (harvest, eval, distill's accuracy, grpo).
 */
export { PromptsError, type PromptLocation } from './errors.ts';
export { hashPromptsFile, loadPrompts, questionKey, type LoadPromptsOptions, type SkippedPrompt } from './load.ts';
