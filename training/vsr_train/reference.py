"""The networks the peers run, in PyTorch: bundled model files and the reference shapes of
benchmarks/reference_shapes.json (the one definition `vsr bench kernels` also compiles in), as a
conv chain with a sub-pixel last layer."""
import json
import os

import torch
import torch.nn.functional as F

from .models import BicubicResidual
from .safetensors import read_tensors


def read_model(path):
    """(name, scale, residual, [(weight, bias, activation, prelu slopes or None)]) of a model file."""
    arrays, arch = read_tensors(path)
    tensors = {k: torch.from_numpy(v) for k, v in arrays.items()}
    layers = []
    for i, l in enumerate(arch['layers']):
        layers.append((tensors[f'layers.{i}.weight'], tensors[f'layers.{i}.bias'], l['activation'],
                       tensors.get(f'layers.{i}.prelu')))
    return arch['name'], arch['scale'], arch['residual'], layers


class ConvChain(torch.nn.Module):
    def __init__(self, layers, scale, residual):
        super().__init__()
        self.layers, self.scale = layers, scale
        self.residual = BicubicResidual(scale) if residual == 'bicubic' else None

    def forward(self, x):
        y = x
        for w, b, act, slope in self.layers:
            y = F.conv2d(y, w, b, padding=w.shape[-1] // 2)
            if act == 'relu':
                y = F.relu(y)
            elif act == 'tanh':
                y = torch.tanh(y)
            elif act == 'prelu':
                y = F.prelu(y, slope)
        if self.residual is not None:
            y = y + self.residual(x)
        return F.pixel_shuffle(y, self.scale)


SHAPES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'benchmarks', 'reference_shapes.json')


def reference_shapes(scale):
    """name -> [(kernel, out channels, activation)], from the one definition vsr bench also uses."""
    shapes = json.load(open(SHAPES))['shapes']
    return {s['name']: [(l['kernel'], scale * scale if l['out'] == 'scale^2' else l['out'], l['activation'])
                        for l in s['layers']] for s in shapes}


def build(shape):
    g = torch.Generator().manual_seed(0)
    layers, cin = [], 1
    for k, cout, act in shape:
        w = (torch.rand(cout, cin, k, k, generator=g) - 0.5) * 0.02
        layers.append((w, torch.full((cout,), 0.01), act, torch.full((cout,), 0.1) if act == 'prelu' else None))
        cin = cout
    return layers
