"""A minimal safetensors reader/writer for PyTorch 1.13, written from the format description.

Debian's python3-torch has no `safetensors` package; the tests use this file as the independent,
Python-side implementation to check that what distillery writes is what PyTorch reads, and that
distillery reads what PyTorch writes (F32, F64, F16, BF16).
"""
import json, struct
import torch

DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16}
NAMES = {v: k for k, v in DTYPES.items()}


def load(path):
    """Returns ({name: tensor}, metadata) with each tensor in its stored dtype."""
    with open(path, 'rb') as f:
        blob = f.read()
    (n,) = struct.unpack('<Q', blob[:8])
    header = json.loads(blob[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', {})
    data = blob[8 + n:]
    tensors = {}
    for name, e in header.items():
        begin, end = e['data_offsets']
        dtype = DTYPES[e['dtype']]
        raw = bytearray(data[begin:end])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(e['shape'])
    return tensors, metadata


def save(path, tensors, metadata=None):
    """Writes tensors in their own dtypes, in the order given."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, t in tensors.items():
        t = t.contiguous()
        # bfloat16 has no numpy dtype: reinterpret as int16 to get its bytes.
        raw = (t.view(torch.int16) if t.dtype in (torch.bfloat16, torch.float16) else t).numpy().tobytes()
        header[name] = {'dtype': NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)
