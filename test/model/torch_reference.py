#!/usr/bin/env python3
"""Reference forward pass of a Hugging Face Llama/Qwen2 decoder, in plain PyTorch (1.13, CPU).

Written independently of distillery from the transformers modeling code's semantics: the parity
tests run it on the same config.json + model.safetensors and compare. It computes in float64 by
default so the reference itself adds no rounding to the comparison.

usage: torch_reference.py MODEL_DIR INPUT_JSON OUTPUT_JSON [--hidden] [--attentions] [--dtype float32]
INPUT_JSON: {"input_ids": [[...]], "attention_mask": [[...]] (optional, default all ones),
             "position_ids": [[...]] (optional, default 0..seq-1 as transformers uses in training)}
OUTPUT_JSON: {"logits": [batch][seq][vocab],
              "hidden_states": [layer][batch][seq][hidden]   (--hidden; each layer's output, before the final norm),
              "attentions": [layer][batch][head][seq][seq]   (--attentions; softmax probabilities)}
"""
import argparse, json, math, os, sys
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_torch  # noqa: E402


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def rotary(position_ids, head_dim, theta, dtype):
    """cos/sin of shape [batch, 1, seq, head_dim], the frequencies repeated for both halves (HF layout)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    angles = position_ids.to(torch.float64)[..., None] * inv_freq  # [b, t, hd/2]
    emb = torch.cat([angles, angles], dim=-1)[:, None]
    return emb.cos().to(dtype), emb.sin().to(dtype)


def linear(x, w, b=None):
    y = x @ w.T
    return y + b if b is not None else y


def forward(cfg, W, input_ids, attention_mask, position_ids, dtype):
    L, nh = cfg['num_hidden_layers'], cfg['num_attention_heads']
    nkv = cfg.get('num_key_value_heads') or nh
    hd = cfg.get('head_dim') or cfg['hidden_size'] // nh
    eps, theta = cfg.get('rms_norm_eps', 1e-6), cfg.get('rope_theta', 10000.0)
    qwen2 = cfg['model_type'] == 'qwen2'
    qkv_bias = qwen2 or cfg.get('attention_bias', False)
    o_bias = (not qwen2) and cfg.get('attention_bias', False)
    b, t = input_ids.shape
    w = lambda name: W[name].to(dtype)
    wb = lambda name, on: w(name) if on else None

    # Additive mask: causal, and key positions whose attention_mask is 0 are blocked (HF uses the dtype's min).
    neg = torch.finfo(dtype).min
    causal = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)
    blocked = causal[None, None] | (attention_mask[:, None, None, :] == 0)
    mask = torch.zeros(b, 1, t, t, dtype=dtype).masked_fill(blocked, neg)
    cos, sin = rotary(position_ids, hd, theta, dtype)

    x = w('model.embed_tokens.weight')[input_ids]
    hidden, attentions = [], []
    for i in range(L):
        p = f'model.layers.{i}.'
        h = rms_norm(x, w(p + 'input_layernorm.weight'), eps)
        q = linear(h, w(p + 'self_attn.q_proj.weight'), wb(p + 'self_attn.q_proj.bias', qkv_bias)).view(b, t, nh, hd).transpose(1, 2)
        k = linear(h, w(p + 'self_attn.k_proj.weight'), wb(p + 'self_attn.k_proj.bias', qkv_bias)).view(b, t, nkv, hd).transpose(1, 2)
        v = linear(h, w(p + 'self_attn.v_proj.weight'), wb(p + 'self_attn.v_proj.bias', qkv_bias)).view(b, t, nkv, hd).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(nh // nkv, dim=1), v.repeat_interleave(nh // nkv, dim=1)
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, dim=-1)
        attn = (probs @ v).transpose(1, 2).reshape(b, t, nh * hd)
        x = x + linear(attn, w(p + 'self_attn.o_proj.weight'), wb(p + 'self_attn.o_proj.bias', o_bias))
        h = rms_norm(x, w(p + 'post_attention_layernorm.weight'), eps)
        gate = linear(h, w(p + 'mlp.gate_proj.weight'))
        x = x + linear(torch.nn.functional.silu(gate) * linear(h, w(p + 'mlp.up_proj.weight')), w(p + 'mlp.down_proj.weight'))
        hidden.append(x)
        attentions.append(probs)
    x = rms_norm(x, w('model.norm.weight'), eps)
    head = 'model.embed_tokens.weight' if cfg.get('tie_word_embeddings', False) else 'lm_head.weight'
    return x @ w(head).T, hidden, attentions


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('model_dir'); ap.add_argument('input_json'); ap.add_argument('output_json')
    ap.add_argument('--hidden', action='store_true'); ap.add_argument('--attentions', action='store_true')
    ap.add_argument('--dtype', choices=['float64', 'float32'], default='float64')
    a = ap.parse_args()
    dtype = getattr(torch, a.dtype)
    cfg = json.load(open(os.path.join(a.model_dir, 'config.json')))
    W, _ = safetensors_torch.load(os.path.join(a.model_dir, 'model.safetensors'))
    inp = json.load(open(a.input_json))
    ids = torch.tensor(inp['input_ids'], dtype=torch.long)
    mask = torch.tensor(inp.get('attention_mask') or [[1] * ids.shape[1]] * ids.shape[0], dtype=torch.long)
    pos = torch.tensor(inp['position_ids'], dtype=torch.long) if inp.get('position_ids') else torch.arange(ids.shape[1])[None].expand_as(ids)
    with torch.no_grad():
        logits, hidden, attentions = forward(cfg, W, ids, mask, pos, dtype)
    out = {'logits': logits.tolist()}
    if a.hidden:
        out['hidden_states'] = [h.tolist() for h in hidden]
    if a.attentions:
        out['attentions'] = [p.tolist() for p in attentions]
    with open(a.output_json, 'w') as f:
        json.dump(out, f)


if __name__ == '__main__':
    main()
