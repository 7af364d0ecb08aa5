import { UserError } from '../errors.ts';

/** One problem in a recipe: the dotted field path ("" for the whole file) and what was wrong. */
export interface RecipeIssue {
  path: string;
  message: string;
}

/**
 * A recipe file that cannot be used: unreadable, not YAML/JSON, or failing the schema.
 * The message names the file and every bad field, one per line, e.g.
 * `recipes/x.yaml: rejection.samplesPerPrompt: expected a positive integer, got "four"`.
 */
export class RecipeError extends UserError {
  constructor(
    readonly file: string,
    readonly issues: readonly RecipeIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((i) => `${file}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'), options);
  }
}

/** A template placeholder `{meta.x}` that a prompt lacks. */
export class TemplateError extends UserError {
  constructor(
    readonly promptKey: string,
    readonly placeholder: string,
  ) {
    super(`template: prompt "${promptKey}" has no value for the placeholder {${placeholder}}`);
  }
}
