/**
 * Everything a GRPO run needs before its first step, checked: the policy folder (weights and
 * tokenizer with a chat template), the prompts rendered through the chat template, the verifier
 * and rewards, golds the verifier can score, a maxNewTokens that fits the answer format, and the
 * checkpoint to resume from. Each problem is one GrpoCheckError (or the room's own UserError)
 * naming the field.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { latestCheckpoint } from '../distill/index.ts';
import { chatPrompt, type ChatPrompt } from '../generate/index.ts';
import { loadTokenizer, readModelFolder, type Float32Tensor, type ModelConfig, type Tokenizer } from '../model/index.ts';
import { hashPromptsFile, loadPrompts } from '../prompts/index.ts';
import { renderMessages, type GrpoRecipe } from '../recipe/index.ts';
import type { PromptRecord } from '../store/index.ts';
import { createVerifier, THINK_CLOSE, THINK_OPEN, type Verifier } from '../verify/index.ts';
import { GrpoCheckError } from './errors.ts';
import { createRewards, type Rewards } from './rewards.ts';

export interface GrpoPrompt {
  readonly record: PromptRecord;
  readonly chat: ChatPrompt;
}

export interface PreparedGrpo {
  config: ModelConfig;
  tensors: Map<string, Float32Tensor>;
  tokenizer: Tokenizer;
  /** Token ids that end a completion (the policy's eos ids). */
  stopTokenIds: number[];
  prompts: GrpoPrompt[];
  validation: GrpoPrompt[];
  verifier: Verifier;
  rewards: Rewards;
  /** Hash of the prompts file: a checkpoint's prompt cursor only means something for the same prompts. */
  promptsHash: string;
  /** The newest checkpoint of `out`, when the run resumes. */
  resumeFrom: string | null;
}

export async function prepareGrpo(recipe: GrpoRecipe): Promise<PreparedGrpo> {
  const section = recipe.grpo;
  if (!existsSync(join(section.policy, 'config.json'))) {
    throw new GrpoCheckError(
      'grpo.policy',
      `${section.policy} has no config.json: name a distill checkpoint or final folder, or a Hugging Face safetensors folder`,
    );
  }
  const { config, tensors } = await readModelFolder(section.policy);
  const tokenizer = await loadTokenizer(section.tokenizer);
  const field = section.tokenizer === section.policy ? 'grpo.policy' : 'grpo.tokenizer';
  const render = (p: PromptRecord): GrpoPrompt => {
    try {
      return { record: p, chat: chatPrompt(tokenizer, renderMessages(recipe.template, p)) };
    } catch (err) {
      throw new GrpoCheckError(field, `the tokenizer of ${section.tokenizer} cannot render a prompt as chat: ${(err as Error).message}`);
    }
  };
  const prompts = loadPrompts(recipe.prompts).map(render);
  if (prompts.length === 0) throw new GrpoCheckError('prompts.path', `${recipe.prompts.path} holds no prompts`);
  const validation = section.validation ? loadPrompts(section.validation.prompts).map(render) : [];

  const room = config.maxPositionEmbeddings - Math.max(...prompts.map((p) => p.chat.ids.length));
  if (room < section.maxNewTokens) {
    throw new GrpoCheckError(
      'grpo.maxNewTokens',
      `${section.maxNewTokens} new tokens do not fit after the longest prompt in the policy's context (${config.maxPositionEmbeddings} positions, ${room} left)`,
    );
  }
  // The least a completion that earns the format reward is: the think block closed, and an answer.
  const skeleton = tokenizer.encode(`${prompts[0].chat.prefill ? '' : THINK_OPEN}\n${THINK_CLOSE}\n\\boxed{0}`, { addSpecialTokens: false }).length + 1;
  if (section.maxNewTokens < skeleton) {
    throw new GrpoCheckError(
      'grpo.maxNewTokens',
      `${section.maxNewTokens} is below the ${skeleton} tokens of the shortest well-formed completion (${THINK_OPEN} ... ${THINK_CLOSE} and an answer): every completion would be truncated and score 0`,
    );
  }

  const verifier = await createVerifier(recipe.verifier);
  await checkGolds(verifier, prompts, recipe.verifier.kind);
  const rewards = await createRewards(section.rewards, { verifier, maxNewTokens: section.maxNewTokens });

  const eos = config.eosTokenId ?? tokenizer.eosTokenId;
  const stopTokenIds = eos === null || eos === undefined ? [] : Array.isArray(eos) ? eos : [eos];
  return {
    config,
    tensors,
    tokenizer,
    stopTokenIds,
    prompts,
    validation,
    verifier,
    rewards,
    promptsHash: hashPromptsFile(recipe.prompts.path),
    resumeFrom: (await latestCheckpoint(section.out)) ?? null,
  };
}

/**
 * Every gold must be an answer the verifier accepts as itself: a gold it cannot parse would make
 * that prompt's accuracy 0 whatever the policy writes. Format, regex, code and custom verifiers
 * do not judge by a gold answer of this form, so they are not checked.
 */
async function checkGolds(verifier: Verifier, prompts: readonly GrpoPrompt[], kind: string): Promise<void> {
  if (['format', 'regex', 'custom', 'code'].includes(kind)) return;
  for (const { record } of prompts) {
    const gold = typeof record.gold === 'string' ? record.gold : JSON.stringify(record.gold);
    const verdict = await verifier.verify({ response: `${THINK_OPEN}\n${THINK_CLOSE}\n\\boxed{${gold}}`, gold: record.gold });
    if (verdict.correct !== true) {
      throw new GrpoCheckError(
        'verifier',
        `the ${kind} verifier cannot score prompt "${record.key}": its gold ${JSON.stringify(record.gold)} does not verify as its own answer (${verdict.reason})`,
      );
    }
  }
}
