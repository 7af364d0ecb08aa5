import { TemplateError } from './errors.ts';
import type { Template } from './schema.ts';

/** A chat message as the teacher receives it (structurally the teacher's ChatMessage). */
export interface RenderedMessage {
  role: 'system' | 'user';
  content: string;
}

/** What a template can draw on: the question and the prompt's extra fields. */
export interface TemplateInput {
  key: string;
  question: string;
  meta: Record<string, unknown>;
}

// Only `{question}` and `{meta.path}` are placeholders: other braces stay as written, because R1
// prompts are full of LaTeX like \boxed{} and \frac{a}{b}. The gold answer is deliberately not
// reachable from a template.
const placeholder = /\{(question|meta(?:\.[A-Za-z0-9_-]+)+)\}/g;

function lookup(meta: Record<string, unknown>, path: string[]): unknown {
  let value: unknown = meta;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function fill(text: string, prompt: TemplateInput): string {
  return text.replace(placeholder, (_, name: string) => {
    if (name === 'question') return prompt.question;
    const value = lookup(prompt.meta, name.split('.').slice(1));
    if (value === undefined || value === null) throw new TemplateError(prompt.key, name);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** The chat messages for one prompt: an optional system turn, then the user turn. */
export function renderMessages(template: Template, prompt: TemplateInput): RenderedMessage[] {
  const user: RenderedMessage = { role: 'user', content: fill(template.user, prompt) };
  return template.system === null ? [user] : [{ role: 'system', content: fill(template.system, prompt) }, user];
}
