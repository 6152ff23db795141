#!/usr/bin/env python3
"""Writes the ESPCN(64,32) x2 benchmark network in FFmpeg 5.1's native DNN format, for the
`sr` filter's native backend (`-vf sr=dnn_backend=native:model=FILE`).

  python3 training/export_ffmpeg_native.py espcn.model

Format (libavfilter/dnn/dnn_backend_native*.c in FFmpeg 5.1): "FFMPEGDNNNATIVE", int32 major (1)
and minor version; per layer an int32 type then its parameters (conv: dilation, padding,
activation, in, out, kernel, has_bias, weights [out][ky][kx][in], biases, input and output
operand; depth-to-space: block size, input and output operand); per operand its index, name
length, name, kind, data type and 4 dims; finally the layer and operand counts. Little endian.
Weights are the deterministic ones of training/export_onnx.py's reference shapes.
"""
import struct
import sys

import torch

CONV, DEPTH_TO_SPACE = 1, 2
RELU, NONE = 0, 3
SAME = 1
INPUT, INTERMEDIATE, OUTPUT = 1, 2, 3  # DOT_* in FFmpeg 5.1
FLOAT = 1


def main():
    from vsr_train.reference import build, reference_shapes
    layers = build(reference_shapes(2)['ESPCN(64,32)'])
    out = bytearray(b'FFMPEGDNNNATIVE' + struct.pack('<ii', 1, 23))
    operands = [('x', INPUT, [1, -1, -1, 1])]
    for i, (w, b, act, _) in enumerate(layers):
        o, c, k, _ = w.shape
        # type, dilation, padding, activation, in, out, kernel, has_bias
        out += struct.pack('<8i', CONV, 1, SAME, RELU if act == 'relu' else NONE, c, o, k, 1)
        out += w.permute(0, 2, 3, 1).contiguous().numpy().astype('<f4').tobytes()
        out += b.numpy().astype('<f4').tobytes()
        operands.append((f'conv{i}', INTERMEDIATE, [1, -1, -1, o]))
        out += struct.pack('<ii', len(operands) - 2, len(operands) - 1)
    out += struct.pack('<iiii', DEPTH_TO_SPACE, 2, len(operands) - 1, len(operands))
    operands.append(('y', OUTPUT, [1, -1, -1, 1]))
    for index, (name, kind, dims) in enumerate(operands):
        out += struct.pack('<ii', index, len(name)) + name.encode()
        out += struct.pack('<ii4i', kind, FLOAT, *dims)
    out += struct.pack('<ii', len(layers) + 1, len(operands))
    open(sys.argv[1], 'wb').write(out)


if __name__ == '__main__':
    with torch.no_grad():
        main()
