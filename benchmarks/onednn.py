#!/usr/bin/env python3
"""Times the same networks on oneDNN, through PyTorch's CPU build (the engine behind its
convolutions), with the model frozen and converted to oneDNN's blocked layouts.

  python3 benchmarks/onednn.py WIDTH HEIGHT [THREADS...] > onednn.json

The networks are those `training/export_onnx.py` exports for ONNX Runtime and OpenCV: the
reference shapes and the bundled x2 models with their weights and bicubic residual. ms per frame
is the median of 20 runs after 3 warm-up runs, on 1 and 2 threads by default.
"""
import json
import os
import re
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
from peers import median_ms  # noqa: E402  (benchmarks/, the script's own folder)
from vsr_train.reference import ConvChain, build, read_model, reference_shapes  # noqa: E402  (pip install -e training)


def networks():
    nets = {name: ConvChain(build(shape), 2, 'none') for name, shape in reference_shapes(2).items()}
    weights = os.path.join(HERE, '..', 'weights')
    for f in sorted(os.listdir(weights)):
        if f.endswith('-x2.safetensors'):
            name, scale, residual, layers = read_model(os.path.join(weights, f))
            nets[name] = ConvChain(layers, scale, residual)
    return nets


def main():
    width, height = int(sys.argv[1]), int(sys.argv[2])
    threads = [int(t) for t in sys.argv[3:]] or [1, 2]
    if not torch.backends.mkldnn.is_available():
        sys.exit('this PyTorch build has no oneDNN (mkldnn)')
    version = re.search(r'(?:oneDNN|MKL-DNN) v([\d.]+)', torch.__config__.show())
    engine = f'oneDNN {version.group(1) if version else "?"} (PyTorch {torch.__version__})'
    x = torch.from_numpy(np.random.default_rng(0).random((1, 1, height, width), dtype=np.float32))
    results = []
    for name, net in networks().items():
        with torch.no_grad():
            # freeze + optimize_for_inference: convolutions become oneDNN ops on prepacked weights.
            frozen = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(net.eval(), x)))
            for t in threads:
                torch.set_num_threads(t)
                ms = median_ms(lambda: frozen(x))
                results.append({'engine': engine, 'model': name, 'width': width, 'height': height,
                                'threads': t, 'ms_median': ms})
                print(f'{name} {t}t: onednn {ms:.1f} ms', file=sys.stderr)
    print(json.dumps(results, indent=1))


if __name__ == '__main__':
    main()
