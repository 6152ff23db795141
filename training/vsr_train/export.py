"""Writes the engine's model file: safetensors with the architecture in `__metadata__`.

Format (docs/MODEL_FORMAT.md): 8-byte little-endian header length, a JSON header mapping tensor
names to {dtype, shape, data_offsets}, then the raw little-endian tensors. `__metadata__.vsr`
holds the architecture as a JSON string (safetensors metadata values must be strings).
"""

import numpy as np

from .safetensors import write_safetensors  # noqa: F401  (re-exported: train.py uses it)


def model_file(path, name, description, scale, layers, training_note, psnr=None, extra=None):
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
    vsr.update(extra or {})
    write_safetensors(path, tensors, {'vsr': vsr})
