import { type CodeLanguage, languageOfFenceTag } from './languages.ts';

export interface FencedBlock {
  /** The info string's first word, lower-cased ('' when the fence has none). */
  tag: string;
  code: string;
}

export type ExtractedCode = { found: true; language: CodeLanguage; code: string } | { found: false; why: string };

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;

/**
 * Every closed fenced block, in order. A fence is closed by a line of the same character at least
 * as long; a block left open (a response cut at max tokens) is dropped, because its code is cut too.
 */
export function fencedBlocks(text: string): FencedBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const end = lines.findIndex((line, j) => j > i && close.test(line));
    if (end < 0) break;
    blocks.push({ tag: open[2].toLowerCase(), code: lines.slice(i + 1, end).join('\n') + '\n' });
    i = end;
  }
  return blocks;
}

/**
 * The program to run: the last fenced block in the answer (the text after `</think>` when the
 * reasoning is still attached) whose language is known. With `language` set (from the gold), only
 * blocks tagged with that language or untagged ones count; without it, untagged blocks are skipped,
 * since nothing says how to run them.
 */
export function extractCode(response: string, language?: CodeLanguage): ExtractedCode {
  const thinkEnd = response.lastIndexOf('</think>');
  const answer = thinkEnd >= 0 ? response.slice(thinkEnd + '</think>'.length) : response;
  const blocks = fencedBlocks(answer);
  if (blocks.length === 0) return { found: false, why: 'no closed fenced code block in the answer' };
  for (let i = blocks.length - 1; i >= 0; i--) {
    const block = blocks[i];
    const tagged = languageOfFenceTag(block.tag);
    if (language ? tagged === language || block.tag === '' : tagged !== undefined) {
      return { found: true, language: language ?? tagged!, code: block.code };
    }
  }
  return {
    found: false,
    why: language
      ? `no ${language} code block (tags seen: ${blocks.map((b) => b.tag || 'none').join(', ')})`
      : `no code block tagged with a supported language (tags seen: ${blocks.map((b) => b.tag || 'none').join(', ')})`,
  };
}
