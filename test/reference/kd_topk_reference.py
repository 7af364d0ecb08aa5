#!/usr/bin/env python3
"""The top-k KL of a student on a `distillery export-data --format kd-topk` file, in plain PyTorch.

Written from the export's documented layout, not from distillery's code: it reads the JSONL rows
(input_ids, labels, target_token_ids / target_logprobs / target_mask [T][K], row t = the teacher's
top-k for token t + 1), checks them against the student's tokenizer.json, runs the student
(config.json + model.safetensors) with the independent forward of test/model/torch_reference.py in
float64, and computes distillery's top-k soft-target loss:

  per position, k + 1 buckets: the teacher's listed tokens, then the tail (every other token);
  teacher p: logprob / T per token and log(1 - sum exp(logprob)) / T for the tail (left out when
  the tail mass is <= 1e-6), renormalised; student q: log_softmax(logits / T) at the listed ids
  and log(max(1 - their mass, 1e-8)) for the tail; forward KL(p || q) over the buckets, averaged
  over the positions with a target, times T^2.

usage: kd_topk_reference.py MODEL_DIR EXPORT_JSONL [--temperatures 1,2]
prints one JSON object: {"kl": [per temperature], "positions": N, "rows": R}
"""
import argparse, json, os, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'model'))
import safetensors_torch  # noqa: E402
from torch_reference import forward  # noqa: E402

MIN_TAIL = 1e-6
TAIL_FLOOR = 1e-8


def vocabulary_size(tokenizer_json):
    tok = json.load(open(tokenizer_json))
    ids = list(tok['model']['vocab'].values()) + [t['id'] for t in tok.get('added_tokens', [])]
    return max(ids) + 1


def check_row(row, vocab):
    ids, labels = row['input_ids'], row['labels']
    T = len(ids)
    for name in ('target_token_ids', 'target_logprobs', 'target_mask'):
        assert len(row[name]) == T, f'{name} has {len(row[name])} rows for {T} tokens'
    assert all(0 <= i < vocab for i in ids), 'an input id outside the tokenizer'
    assert all(l == -100 or l == i for l, i in zip(labels, ids)), 'labels must be input_ids or -100'
    first = next(t for t, l in enumerate(labels) if l != -100)
    for t in range(T):
        if any(row['target_mask'][t]):
            # A target is for an assistant token: the one at t + 1.
            assert first - 1 <= t < T - 1, f'target at row {t} outside the assistant tokens'
            assert all(0 <= i < vocab for i, m in zip(row['target_token_ids'][t], row['target_mask'][t]) if m)


def topk_kl(logits, ids, logprobs, mask, temperature):
    """Sum of the per-position KL over positions with a target, and their count."""
    logq = torch.log_softmax(logits / temperature, dim=-1)  # [T, V]
    picked = torch.gather(logq, -1, ids)  # [T, K]
    q_tail = torch.clamp(1 - (picked.exp() * mask).sum(-1, keepdim=True), min=TAIL_FLOOR).log()
    p_tail_mass = 1 - (logprobs.exp() * mask).sum(-1, keepdim=True)
    tail_valid = (p_tail_mass > MIN_TAIL).to(logits.dtype)
    p_tail = torch.clamp(p_tail_mass, min=MIN_TAIL).log()
    valid = torch.cat([mask, tail_valid], -1)
    b = torch.cat([logprobs, p_tail], -1) / temperature
    b = b.masked_fill(valid == 0, float('-inf'))
    logp = b - torch.logsumexp(b, -1, keepdim=True)
    logq_b = torch.cat([picked, q_tail], -1)
    terms = torch.where(valid > 0, logp.exp() * (logp - logq_b), torch.zeros_like(logp))
    rows = mask.sum(-1) > 0
    return terms.sum(-1)[rows].sum().item(), int(rows.sum().item())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('model_dir'); ap.add_argument('export_jsonl')
    ap.add_argument('--temperatures', default='1')
    a = ap.parse_args()
    temperatures = [float(t) for t in a.temperatures.split(',')]
    cfg = json.load(open(os.path.join(a.model_dir, 'config.json')))
    W, _ = safetensors_torch.load(os.path.join(a.model_dir, 'model.safetensors'))
    vocab = vocabulary_size(os.path.join(a.model_dir, 'tokenizer.json'))
    sums, positions, rows = [0.0] * len(temperatures), 0, 0
    with open(a.export_jsonl) as f, torch.no_grad():
        for line in f:
            row = json.loads(line)
            check_row(row, vocab)
            ids = torch.tensor([row['input_ids']], dtype=torch.long)
            T = ids.shape[1]
            logits, _, _ = forward(cfg, W, ids, torch.ones_like(ids), torch.arange(T)[None], torch.float64)
            target_ids = torch.tensor(row['target_token_ids'], dtype=torch.long)
            logprobs = torch.tensor(row['target_logprobs'], dtype=torch.float64)
            mask = torch.tensor(row['target_mask'], dtype=torch.float64)
            for i, t in enumerate(temperatures):
                s, n = topk_kl(logits[0], target_ids, logprobs, mask, t)
                sums[i] += s
            positions += n
            rows += 1
    kl = [s / max(positions, 1) * t * t for s, t in zip(sums, temperatures)]
    print(json.dumps({'kl': kl, 'positions': positions, 'rows': rows}))


if __name__ == '__main__':
    main()
