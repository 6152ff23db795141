#!/usr/bin/env python3
"""Exports networks to ONNX so peers (ONNX Runtime, OpenCV dnn) run the very same network.

  python3 training/export_onnx.py OUT_DIR WIDTH HEIGHT

Writes OUT_DIR/NAME.onnx for every bundled model in weights/ (same weights, bicubic residual as
a fixed 5x5 convolution on replicate-padded input, DepthToSpace) and for the reference shapes
FSRCNN(56,12,4), FSRCNN-s(32,5,1) and ESPCN(64,32) with a sub-pixel last layer (the shapes of
`vsr bench kernels`; speed does not depend on the weight values).
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from vsr_train.models import BicubicResidual  # noqa: E402


def read_model(path):
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    body = raw[8 + n:]
    arch = json.loads(header['__metadata__']['vsr'])
    tensors = {k: torch.from_numpy(np.frombuffer(body[v['data_offsets'][0]:v['data_offsets'][1]], dtype='<f4')
                                   .reshape(v['shape']).copy()) for k, v in header.items() if k != '__metadata__'}
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


def reference_shapes(scale):
    p = 'prelu'
    return {
        'FSRCNN(56,12,4)': [(5, 56, p), (1, 12, p), (3, 12, p), (3, 12, p), (3, 12, p), (3, 12, p), (1, 56, p), (3, scale * scale, 'none')],
        'FSRCNN-s(32,5,1)': [(5, 32, p), (1, 5, p), (3, 5, p), (1, 32, p), (3, scale * scale, 'none')],
        'ESPCN(64,32)': [(5, 64, 'relu'), (3, 32, 'relu'), (3, scale * scale, 'none')],
    }


def build(shape):
    g = torch.Generator().manual_seed(0)
    layers, cin = [], 1
    for k, cout, act in shape:
        w = (torch.rand(cout, cin, k, k, generator=g) - 0.5) * 0.02
        layers.append((w, torch.full((cout,), 0.01), act, torch.full((cout,), 0.1) if act == 'prelu' else None))
        cin = cout
    return layers


def export(module, path, width, height):
    x = torch.rand(1, 1, height, width)
    torch.onnx.export(module, (x,), path, input_names=['luma'], output_names=['upscaled'], opset_version=17, dynamo=False)


def main():
    out, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    for name, shape in reference_shapes(2).items():
        export(ConvChain(build(shape), 2, 'none'), os.path.join(out, f'{name}.onnx'), width, height)
    weights = os.path.join(HERE, '..', 'weights')
    for f in sorted(os.listdir(weights)):
        if f.endswith('.safetensors'):
            name, scale, residual, layers = read_model(os.path.join(weights, f))
            if scale == 2:
                export(ConvChain(layers, scale, residual), os.path.join(out, f'{name}.onnx'), width, height)
    print('\n'.join(sorted(os.listdir(out))))


if __name__ == '__main__':
    main()
