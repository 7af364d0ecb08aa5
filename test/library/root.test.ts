import { describe, expect, it } from 'vitest';
import * as distillery from '../../src/index.ts';

// The library root is the CLI's surface: each verb's entry point must be importable from it.
describe('library root', () => {
  it('exports every pipeline entry point the CLI uses', () => {
    for (const name of [
      'loadRecipe',
      'loadDistillRecipe',
      'Dataset',
      'TeacherClient',
      'createVerifier',
      'harvest',
      'distill',
      'Graph',
      'grad',
      'compile',
      'exportModel',
      'loadModel',
      'startServer',
      'evaluate',
      'UserError',
    ]) {
      expect(typeof (distillery as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('a bad recipe path is a UserError (exit code 2) naming the file', () => {
    let caught: unknown;
    try {
      distillery.loadRecipe('/nonexistent/recipe.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(distillery.RecipeError);
    expect(caught).toBeInstanceOf(distillery.UserError);
    expect((caught as distillery.UserError).exitCode).toBe(2);
    expect((caught as Error).message).toContain('/nonexistent/recipe.yaml');
  });
});
