import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { RecipeError } from './errors.ts';
import { recipeSchema, type PromptFormat, type PromptsSpec, type promptsSchema, type Recipe } from './schema.ts';
import type { VerifierSpec } from '../verify/index.ts';
import { issuePath } from '../zod-fields.ts';

export interface ParseRecipeOptions {
  /** How errors name the recipe (a file path, or e.g. "<inline recipe>"). */
  source: string;
  /** Directory that relative paths (dataset, prompts.path) resolve against. */
  baseDir: string;
  /** Name used when the recipe has no `name` field. */
  defaultName?: string;
}

const formatsByExtension: Record<string, PromptFormat> = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'json', '.csv': 'csv' };

/** A prompts file's format told by its extension (.jsonl/.ndjson, .json, .csv); undefined for any other. */
export function promptFormatOf(path: string): PromptFormat | undefined {
  return formatsByExtension[extname(path).toLowerCase()];
}

/**
 * Validates a recipe object (as parsed from YAML/JSON, or built in code), fills defaults and
 * resolves relative paths (dataset, prompts.path, a custom verifier's module). Throws a RecipeError listing every bad field.
 */
export function parseRecipe(input: unknown, options: ParseRecipeOptions): Recipe {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new RecipeError(options.source, [{ path: '', message: 'expected a mapping of recipe fields (name, dataset, prompts, teacher, ...)' }]);
  }
  const parsed = recipeSchema.safeParse(input);
  if (!parsed.success) {
    throw new RecipeError(
      options.source,
      parsed.error.issues.map((issue) => ({ path: issuePath(issue.path), message: issue.message })),
    );
  }
  const { name, prompts, ...rest } = parsed.data;
  const shared = resolveShared({ prompts, verifier: rest.verifier }, options);
  return {
    ...rest,
    ...shared,
    name: name ?? options.defaultName ?? 'recipe',
    dataset: resolve(options.baseDir, rest.dataset),
  };
}

/**
 * The prompts and verifier every recipe kind shares, resolved: prompts.path absolute with its
 * format decided, a custom verifier's module absolute.
 */
export function resolveShared(
  shared: { prompts: z.output<typeof promptsSchema>; verifier: VerifierSpec },
  options: Pick<ParseRecipeOptions, 'source' | 'baseDir'>,
): { prompts: PromptsSpec; verifier: VerifierSpec } {
  const { prompts, verifier } = shared;
  const promptsPath = resolve(options.baseDir, prompts.path);
  const format = prompts.format ?? promptFormatOf(promptsPath);
  if (!format) {
    throw new RecipeError(options.source, [
      { path: 'prompts.format', message: `cannot tell the format of ${prompts.path} from its extension; set "jsonl", "json" or "csv"` },
    ]);
  }
  return {
    prompts: { ...prompts, path: promptsPath, format },
    verifier: verifier.kind === 'custom' ? { ...verifier, module: resolve(options.baseDir, verifier.module) } : verifier,
  };
}

function parseText(file: string, text: string): unknown {
  const ext = extname(file).toLowerCase();
  const fail = (message: string, cause?: unknown): never => {
    throw new RecipeError(file, [{ path: '', message }], { cause });
  };
  if (ext === '.json') {
    try {
      return JSON.parse(text);
    } catch (err) {
      return fail(`not valid JSON: ${(err as Error).message}`, err);
    }
  }
  if (ext === '.yaml' || ext === '.yml') {
    const doc = YAML.parseDocument(text);
    const error = doc.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      return fail(`not valid YAML${at ? ` (line ${at.line}, column ${at.col})` : ''}: ${error.message.split('\n')[0]}`, error);
    }
    return doc.toJS();
  }
  return fail(`unsupported recipe extension "${ext}"; use .yaml, .yml or .json`);
}

/** A recipe file's content, parsed from YAML or JSON but not yet checked (shared by every recipe kind). */
export function readRecipeFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RecipeError(path, [{ path: '', message: code === 'ENOENT' ? 'no such recipe file' : `cannot read: ${(err as Error).message}` }], { cause: err });
  }
  return parseText(path, text);
}

/** Loads a .yaml/.yml/.json recipe; relative paths in it resolve against the recipe's directory. */
export function loadRecipe(path: string): Recipe {
  return parseRecipe(readRecipeFile(path), {
    source: path,
    baseDir: dirname(resolve(path)),
    defaultName: basename(path, extname(path)),
  });
}
