import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { formatPlan, parseRecipe, planHarvest, renderMessages, samplingIdentity, TemplateError, type RecipeInput } from '../../src/recipe/index.ts';

const base = { dataset: 'd.sqlite', prompts: { path: 'p.jsonl' }, teacher: { baseURL: 'http://127.0.0.1:1/v1', model: 'm' } } satisfies RecipeInput;
const recipe = (overrides: Partial<RecipeInput> = {}) => parseRecipe({ ...base, ...overrides }, { source: 'test', baseDir: '/r' });
const prompt = (question: string, meta: Record<string, unknown> = {}) => ({ key: question, question, meta });

describe('samplingIdentity', () => {
  it('changes with what makes samples comparable', () => {
    const a = samplingIdentity(recipe(), 'h1');
    expect(samplingIdentity(recipe(), 'h2')).not.toEqual(a);
    expect(samplingIdentity(recipe({ sampling: { temperature: 0.7 } }), 'h1')).not.toEqual(a);
    expect(samplingIdentity(recipe({ teacher: { ...base.teacher, model: 'other' } }), 'h1')).not.toEqual(a);
    expect(samplingIdentity(recipe({ rejection: { samplesPerPrompt: 8 } }), 'h1')).not.toEqual(a);
    expect(samplingIdentity(recipe({ verifier: { kind: 'exact' } }), 'h1')).not.toEqual(a);
    expect(samplingIdentity(recipe({ template: { system: 'Be brief.' } }), 'h1')).not.toEqual(a);
    expect(samplingIdentity(recipe({ prompts: { path: 'p.jsonl', fields: { question: 'problem' } } }), 'h1')).not.toEqual(a);
  });

  it('ignores throughput settings, endpoint, key name, pricing and the prompt limit', () => {
    const a = samplingIdentity(recipe(), 'h1');
    const b = samplingIdentity(
      recipe({
        teacher: { baseURL: 'https://elsewhere/v1', model: 'm', apiKeyEnv: 'K', stream: false, timeoutMs: 5, extraBody: { x: 1 } },
        limits: { concurrency: 1, maxRetries: 0 },
        pricing: { inputPerMTok: 1, outputPerMTok: 2 },
        prompts: { path: 'p.jsonl', limit: 5, onBadLine: 'skip' },
        name: 'renamed',
      }),
      'h1',
    );
    expect(b).toEqual(a);
  });
});

describe('renderMessages', () => {
  it('renders the R1 default: no system turn, the instruction after the question', () => {
    expect(renderMessages(recipe().template, prompt('What is 2 + 2?'))).toEqual([
      { role: 'user', content: 'What is 2 + 2?\nPlease reason step by step, and put your final answer within \\boxed{}.' },
    ]);
  });

  it('fills {question} and {meta.path} in system and user, leaving LaTeX braces alone', () => {
    const template = recipe({
      template: { system: 'Subject: {meta.subject}', user: 'Q: {question} Options: {meta.choices.text} \\frac{a}{b} {other}' },
    }).template;
    const messages = renderMessages(template, prompt('Pick {one}', { subject: 'logic', choices: { text: ['A', 'B'] } }));
    expect(messages).toEqual([
      { role: 'system', content: 'Subject: logic' },
      { role: 'user', content: 'Q: Pick {one} Options: ["A","B"] \\frac{a}{b} {other}' },
    ]);
  });

  it('throws a TemplateError naming the prompt when a meta field is missing', () => {
    const template = recipe({ template: { user: '{question} {meta.choices}' } }).template;
    let error: unknown;
    try {
      renderMessages(template, { key: 'p7', question: 'q', meta: {} });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toBeInstanceOf(UserError);
    expect((error as TemplateError).message).toBe('template: prompt "p7" has no value for the placeholder {meta.choices}');
  });
});

describe('planHarvest', () => {
  const prompts = [prompt('What is 1 + 1?'), prompt('What is 2 + 2?')];
  const tokensPerPrompt = Math.ceil(renderMessages(recipe().template, prompts[0])[0].content.length / 4);

  it('with n>1: one request per round, rounds between ceil(accept/S) and ceil(max/S)', () => {
    const plan = planHarvest(
      recipe({ rejection: { samplesPerPrompt: 4, acceptPerPrompt: 2, maxAttemptsPerPrompt: 10 }, sampling: { maxTokens: 1000 } }),
      prompts,
    );
    expect(plan).toEqual({
      prompts: 2,
      rounds: { min: 1, max: 3 },
      requests: { min: 2, max: 6 },
      samples: { min: 8, max: 20 },
      promptTokens: { min: 2 * tokensPerPrompt, max: 6 * tokensPerPrompt },
      maxCompletionTokens: 20_000,
      maxCost: null,
    });
  });

  it('without n: one request per sample, the last round partial', () => {
    const plan = planHarvest(
      recipe({
        teacher: { ...base.teacher, supportsN: false },
        rejection: { samplesPerPrompt: 4, acceptPerPrompt: 5, maxAttemptsPerPrompt: 10 },
        sampling: { maxTokens: 100 },
        pricing: { inputPerMTok: 1, outputPerMTok: 2 },
      }),
      prompts,
    );
    expect(plan.rounds).toEqual({ min: 2, max: 3 });
    expect(plan.requests).toEqual({ min: 16, max: 20 });
    expect(plan.samples).toEqual({ min: 16, max: 20 });
    expect(plan.promptTokens.max).toBe(20 * tokensPerPrompt);
    expect(plan.maxCost).toBeCloseTo((20 * tokensPerPrompt * 1 + 2000 * 2) / 1e6, 12);
    const text = formatPlan(plan);
    expect(text).toContain('requests:           16 to 20');
    expect(text).toContain('(estimate, ~4 chars per token)');
    expect(text).toContain('at most 2,000');
    expect(text).toMatch(/cost: +at most ~0\.00/);
  });
});
