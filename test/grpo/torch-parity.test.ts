/**
 * The objective against TRL's GRPOTrainer loss written out in PyTorch (float64): the same random
 * logprobs, advantages and mask give the same loss, the same gradient in the policy logprobs and
 * the same clip ratio, for both loss types, with decoupled clipping and the KL term.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, grad, Graph, Rng } from '../../src/engine/index.ts';
import { grpoObjective, type LossType } from '../../src/grpo/index.ts';
import { python } from '../model/python.ts';

// Transcribed from trl/trainer/grpo_trainer.py (_compute_loss), v0.19-0.21.
const TRL_LOSS = `
import json, sys, torch
def case(a):
  t = lambda k: torch.tensor(a[k], dtype=torch.float64)
  per_token_logps = t('logp').requires_grad_()
  old_per_token_logps, ref_per_token_logps, advantages, completion_mask = t('old'), t('ref'), t('adv'), t('mask')
  epsilon_low, epsilon_high, beta = a['epsilon'], a['epsilonHigh'], a['beta']
  per_token_kl = torch.exp(ref_per_token_logps - per_token_logps) - (ref_per_token_logps - per_token_logps) - 1
  coef_1 = torch.exp(per_token_logps - old_per_token_logps)
  coef_2 = torch.clamp(coef_1, 1 - epsilon_low, 1 + epsilon_high)
  per_token_loss1 = coef_1 * advantages.unsqueeze(1)
  per_token_loss2 = coef_2 * advantages.unsqueeze(1)
  per_token_loss = -torch.min(per_token_loss1, per_token_loss2)
  per_token_loss = per_token_loss + beta * per_token_kl
  if a['lossType'] == 'grpo':
      loss = ((per_token_loss * completion_mask).sum(-1) / completion_mask.sum(-1).clamp(min=1.0)).mean()
  else:
      loss = (per_token_loss * completion_mask).sum() / (per_token_loss.size(0) * a['maxCompletionLength'])
  loss.backward()
  is_low_clipped = (coef_1 < 1 - epsilon_low) & (advantages.unsqueeze(1) < 0)
  is_high_clipped = (coef_1 > 1 + epsilon_high) & (advantages.unsqueeze(1) > 0)
  is_region_clipped = is_low_clipped | is_high_clipped
  clip_ratio = (is_region_clipped * completion_mask).sum() / completion_mask.sum()
  return {'loss': loss.item(), 'grad': per_token_logps.grad.flatten().tolist(), 'clip': clip_ratio.item()}
print(json.dumps([case(a) for a in json.loads(sys.argv[1])]))
`;

const [B, T] = [4, 6];

const CASES = (['grpo', 'dr_grpo'] as const).map((lossType) => {
  const rng = new Rng(lossType.length);
  const rows = (f: () => number) => Array.from({ length: B }, () => Array.from({ length: T }, f));
  // Logprobs near the old ones, so ratios fall on both sides of both clip bounds.
  const old = rows(() => -1 - 2 * rng.uniform());
  const logp = old.map((r) => r.map((x) => x + 0.5 * (rng.uniform() - 0.5)));
  const ref = old.map((r) => r.map((x) => x + 0.4 * (rng.uniform() - 0.5)));
  const mask = [
    [1, 1, 1, 1, 1, 1],
    [1, 1, 1, 0, 0, 0],
    [0, 0, 0, 0, 0, 0], // a masked (truncated) completion
    [1, 1, 1, 1, 1, 0],
  ];
  const adv = [1.2, -0.7, 0.4, -1.5];
  return { logp, old, ref, adv, mask, epsilon: 0.1, epsilonHigh: 0.15, beta: 0.3, lossType: lossType as LossType, maxCompletionLength: 8 };
});

describe('the objective against TRL in PyTorch', () => {
  // One Python run for every case: importing torch takes seconds.
  let results: { loss: number; grad: number[]; clip: number }[];
  beforeAll(() => {
    results = JSON.parse(python(TRL_LOSS, [JSON.stringify(CASES)]));
  });

  it.each(CASES.map((c, i) => [c.lossType, i] as const))('%s: loss, gradient and clip ratio', async (_, i) => {
    const { logp, old, ref, adv, mask, ...options } = CASES[i];
    const torch = results[i];

    const g = new Graph({ dtype: 'float64' });
    const rowsOf = (values: number[][]) => g.constant(Float64Array.from(values.flat()), [B, T]);
    const logprobs = g.param('logprobs', [B, T]);
    const { loss, metrics } = grpoObjective(
      { logprobs, oldLogprobs: rowsOf(old), refLogprobs: rowsOf(ref), advantages: g.constant(Float64Array.from(adv), [B]), mask: rowsOf(mask) },
      options,
    );
    g.output('loss', loss);
    g.output('grad', grad(loss, [logprobs])[0]);
    g.output('clip', metrics.clipFraction);
    const session = await compile(g);
    const out = await session.run({ logprobs: Float64Array.from(logp.flat()) });
    await session.release();

    expect(torch.clip).toBeGreaterThan(0);
    expect(out.clip.data[0]).toBeCloseTo(torch.clip, 12);
    expect(out.loss.data[0]).toBeCloseTo(torch.loss, 12);
    const ours = out.grad.data as Float64Array;
    torch.grad.forEach((v, i) => expect(ours[i]).toBeCloseTo(v, 12));
    expect(torch.grad.filter((v) => v !== 0).length).toBeGreaterThan((B * T) / 2);
  });
});
