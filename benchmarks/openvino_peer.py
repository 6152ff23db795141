#!/usr/bin/env python3
"""Times OpenVINO on the ONNX networks in a folder, in fp32 and in int8 (NNCF post-training
quantisation): the int8 engine a user would pick instead of vsr's.

  python3 benchmarks/openvino_peer.py ONNX_DIR WIDTH HEIGHT [THREADS...] > openvino.json

Same protocol as peers.py: a WIDTHxHEIGHT luma plane, ms per frame the median of 20 runs after 3
warm-up runs, 1 and 2 threads by default, one synchronous inference request. NNCF calibrates on
16 random planes (the speed does not depend on the values).
"""
import json
import os
import sys

import numpy as np
import nncf
import openvino as ov

from peers import median_ms


def main():
    # NNCF draws its progress bars on stdout: send everything but the JSON to stderr.
    json_out = os.fdopen(os.dup(1), 'w')
    os.dup2(2, 1)
    folder, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    threads = [int(t) for t in sys.argv[4:]] or [1, 2]
    rng = np.random.default_rng(0)
    x = rng.random((1, 1, height, width), dtype=np.float32)
    calibration = nncf.Dataset([rng.random((1, 1, height, width), dtype=np.float32) for _ in range(16)])
    core = ov.Core()
    results = []
    for f in sorted(os.listdir(folder)):
        if not f.endswith('.onnx'):
            continue
        name = f[:-5]
        fp32 = core.read_model(os.path.join(folder, f))
        int8 = nncf.quantize(core.read_model(os.path.join(folder, f)), calibration, subset_size=16)
        for label, model in (('fp32', fp32), ('int8', int8)):
            for t in threads:
                compiled = core.compile_model(model, 'CPU', {'INFERENCE_NUM_THREADS': t, 'PERFORMANCE_HINT': 'LATENCY',
                                                             'INFERENCE_PRECISION_HINT': 'f32'})
                request = compiled.create_infer_request()
                ms = median_ms(lambda: request.infer({0: x}))
                results.append({'engine': f'openvino {ov.__version__.split("-")[0]} {label}', 'model': name, 'width': width,
                                'height': height, 'threads': t, 'ms_median': ms})
                print(f'{name} {label} {t}t: {ms:.1f} ms', file=sys.stderr)
    print(json.dumps(results, indent=1), file=json_out)
    json_out.flush()


if __name__ == '__main__':
    main()
