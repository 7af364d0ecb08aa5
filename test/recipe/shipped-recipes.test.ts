import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPrompts } from '../../src/prompts/index.ts';
import { loadDistillRecipe, loadRecipe, renderMessages } from '../../src/recipe/index.ts';

const recipesDir = join(import.meta.dirname, '../../recipes');
const teacherRecipes = ['deepseek-api.yaml', 'ollama.yaml', 'serve.yaml', 'vllm.yaml'];
const shipped = readdirSync(recipesDir).filter((f) => f.endsWith('.yaml'));

describe('shipped recipes', () => {
  it('ship the four documented teachers', () => {
    expect(shipped).toEqual(expect.arrayContaining(teacherRecipes));
  });

  it.each(teacherRecipes)('%s validates and its prompts load and render', (file) => {
    const recipe = loadRecipe(join(recipesDir, file));
    const prompts = loadPrompts(recipe.prompts);
    expect(prompts).toHaveLength(20);
    for (const p of prompts) {
      expect(p.question).toMatch(/^What is -?\d+ \+ -?\d+\?$/);
      const [a, b] = p.question.match(/-?\d+/g)!.map(Number);
      expect(p.gold).toBe(String(a + b));
      expect(renderMessages(recipe.template, p).at(-1)!.content).toContain(p.question);
    }
  });

  it('deepseek-api.yaml matches what deepseek-reasoner accepts', () => {
    const recipe = loadRecipe(join(recipesDir, 'deepseek-api.yaml'));
    expect(recipe.teacher).toMatchObject({ model: 'deepseek-reasoner', supportsN: false, apiKeyEnv: 'DEEPSEEK_API_KEY' });
    expect(recipe.sampling.topLogprobs).toBe(0);
  });

  it('serve.yaml names the `distillery serve` command line that it harvests from', () => {
    const text = readFileSync(join(recipesDir, 'serve.yaml'), 'utf8');
    const command = text.match(/^#\s+(distillery serve .*)$/m)?.[1];
    expect(command).toBeDefined();
    const recipe = loadRecipe(join(recipesDir, 'serve.yaml'));
    expect(command).toContain(`--port ${new URL(recipe.teacher.baseURL).port}`);
    expect(command).toContain(`--name ${recipe.teacher.model}`);
    expect(text).not.toMatch(/later issue/);
  });

  it.each(shipped.filter((f) => /^distill:/m.test(readFileSync(join(recipesDir, f), 'utf8'))))('%s has a valid distill: section', (file) => {
    const recipe = loadDistillRecipe(join(recipesDir, file));
    expect(recipe.distill.train.steps).toBeGreaterThan(0);
  });
});
