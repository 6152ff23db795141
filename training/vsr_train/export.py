"""Writes the engine's model file: safetensors with the architecture in `__metadata__`.

Format (docs/MODEL_FORMAT.md): 8-byte little-endian header length, a JSON header mapping tensor
names to {dtype, shape, data_offsets}, then the raw little-endian tensors. `__metadata__.vsr`
holds the architecture as a JSON string (safetensors metadata values must be strings).
"""
import json
import struct
import numpy as np


def write_safetensors(path, tensors: dict, metadata: dict):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        a = np.ascontiguousarray(array, dtype='<f4')
        header[name] = {'dtype': 'F32', 'shape': list(a.shape),
                        'data_offsets': [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    header['__metadata__'] = {k: v if isinstance(v, str) else json.dumps(v)
                              for k, v in metadata.items()}
    raw = json.dumps(header, separators=(',', ':')).encode()
    raw += b' ' * (-len(raw) % 8)  # align the data section to 8 bytes, as safetensors does
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def model_file(path, name, description, scale, layers, training_note, psnr=None):
    """layers: [(weight [o,i,k,k], bias [o], prelu [o] or None)] of the folded network."""
    arch, tensors = [], {}
    for i, (w, b, slope) in enumerate(layers):
        w, b = np.asarray(w, np.float32), np.asarray(b, np.float32)
        arch.append({'kernel': int(w.shape[-1]), 'in': int(w.shape[1]), 'out': int(w.shape[0]),
                     'activation': 'prelu' if slope is not None else 'none'})
        tensors[f'layers.{i}.weight'] = w
        tensors[f'layers.{i}.bias'] = b
        if slope is not None:
            tensors[f'layers.{i}.prelu'] = np.asarray(slope, np.float32)
    vsr = {'format': 1, 'name': name, 'description': description, 'scale': scale,
           'residual': 'bicubic', 'input': 'luma/255', 'layers': arch,
           'training': training_note}
    if psnr:
        vsr['psnr'] = psnr
    write_safetensors(path, tensors, {'vsr': vsr})
