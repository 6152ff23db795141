#!/usr/bin/env python3
"""Exports networks to ONNX so peers (ONNX Runtime, OpenCV dnn) run the very same network.

  python3 training/export_onnx.py OUT_DIR WIDTH HEIGHT

Writes OUT_DIR/NAME.onnx for every bundled model in weights/ (same weights, bicubic residual as
a fixed 5x5 convolution on replicate-padded input, DepthToSpace) and for the reference shapes
FSRCNN(56,12,4), FSRCNN-s(32,5,1) and ESPCN(64,32) with a sub-pixel last layer (the shapes of
`vsr bench kernels`; speed does not depend on the weight values).
"""
import os
import sys

import torch

from vsr_train.reference import ConvChain, build, read_model, reference_shapes

HERE = os.path.dirname(os.path.abspath(__file__))


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
