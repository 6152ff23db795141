#!/usr/bin/env python3
"""Times ONNX Runtime and OpenCV's dnn module on the ONNX networks in a folder.

  python3 benchmarks/peers.py ONNX_DIR WIDTH HEIGHT [THREADS...] > peers.json

Each network runs on a WIDTHxHEIGHT luma plane; ms per frame is the median of 20 runs after 3
warm-up runs, on 1 and 2 threads by default. OpenCV's dnn_superres is a thin wrapper over the
same cv::dnn engine, which here loads our exported network, so both run the same network with
the same weights as vsr.
"""
import json
import os
import sys
import time

import numpy as np

try:
    import cv2
    import onnxruntime as ort
except ImportError:  # onednn.py borrows median_ms, in an environment without these two
    cv2 = ort = None


def median_ms(fn, runs=20, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


def main():
    folder, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    threads = [int(t) for t in sys.argv[4:]] or [1, 2]
    x = np.random.default_rng(0).random((1, 1, height, width), dtype=np.float32)
    results = []
    for f in sorted(os.listdir(folder)):
        if not f.endswith('.onnx'):
            continue
        path, name = os.path.join(folder, f), f[:-5]
        for t in threads:
            so = ort.SessionOptions()
            so.intra_op_num_threads, so.inter_op_num_threads = t, 1
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            sess = ort.InferenceSession(path, so, providers=['CPUExecutionProvider'])
            ms = median_ms(lambda: sess.run(None, {'luma': x}))
            results.append({'engine': f'onnxruntime {ort.__version__}', 'model': name, 'width': width, 'height': height,
                            'threads': t, 'ms_median': ms})
            cv2.setNumThreads(t)
            net = cv2.dnn.readNetFromONNX(path)
            net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
            net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)

            def run_cv():
                net.setInput(x)
                net.forward()
            ms = median_ms(run_cv)
            results.append({'engine': f'opencv {cv2.__version__}', 'model': name, 'width': width, 'height': height,
                            'threads': t, 'ms_median': ms})
            print(f'{name} {t}t: ort {results[-2]["ms_median"]:.1f} ms, opencv {ms:.1f} ms', file=sys.stderr)
    print(json.dumps(results, indent=1))


if __name__ == '__main__':
    main()
