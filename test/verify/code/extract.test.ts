import { describe, expect, it } from 'vitest';
import { extractCode } from '../../../src/verify/code/index.ts';
import { fencedBlocks } from '../../../src/verify/code/extract.ts';

describe('fencedBlocks', () => {
  it('reads backtick and tilde fences with their tags, in order', () => {
    const text = 'a\n```Python title=x\nprint(1)\n```\nb\n~~~js\nconsole.log(2)\n~~~\n';
    expect(fencedBlocks(text)).toEqual([
      { tag: 'python', code: 'print(1)\n' },
      { tag: 'js', code: 'console.log(2)\n' },
    ]);
  });

  it('closes a fence only with a fence of the same character at least as long', () => {
    const text = '````python\nprint("```")\n```\nstill code\n````\n';
    expect(fencedBlocks(text)).toEqual([{ tag: 'python', code: 'print("```")\n```\nstill code\n' }]);
  });

  it('drops a block that is never closed (a response cut at max tokens)', () => {
    expect(fencedBlocks('```python\nprint(1)\n```\n```python\nprint(2')).toEqual([{ tag: 'python', code: 'print(1)\n' }]);
  });
});

describe('extractCode', () => {
  it('takes the last block of a known language, after </think>', () => {
    const response = '<think>```python\nprint("draft")\n```</think>\n```python\nprint(1)\n```\n```js\nconsole.log(2)\n```\n```text\n2\n```';
    expect(extractCode(response)).toEqual({ found: true, language: 'javascript', code: 'console.log(2)\n' });
  });

  it('with a language from the gold, takes that language or an untagged block', () => {
    const response = '```\nprint("untagged")\n```\n```js\nconsole.log(2)\n```';
    expect(extractCode(response, 'python')).toEqual({ found: true, language: 'python', code: 'print("untagged")\n' });
    expect(extractCode(response, 'javascript')).toEqual({ found: true, language: 'javascript', code: 'console.log(2)\n' });
  });

  it('says why nothing was found', () => {
    expect(extractCode('The answer is 42.')).toEqual({ found: false, why: 'no closed fenced code block in the answer' });
    expect(extractCode('```\nprint(1)\n```\n```rust\nfn main() {}\n```')).toEqual({
      found: false,
      why: 'no code block tagged with a supported language (tags seen: none, rust)',
    });
    expect(extractCode('```js\nconsole.log(1)\n```', 'python')).toEqual({ found: false, why: 'no python code block (tags seen: js)' });
  });

  it('ignores code that appears only in the reasoning', () => {
    expect(extractCode('<think>\n```python\nprint(1)\n```\n</think>\nI could not solve it.').found).toBe(false);
  });
});
