#!/usr/bin/env python3
"""Writes Tests/VSRQualityTests/Fixtures/imresize-numpy.json: random images resized by the numpy
`imresize` that makes the training LR images. A Swift test resizes the same inputs with
VSRQuality.MatlabResize (what `vsr eval` uses) and requires the same numbers, so the models are
trained on exactly the LR images they are evaluated on.

  python3 training/imresize_fixture.py
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
from vsr_train.imresize import imresize  # noqa: E402

OUT = os.path.normpath(os.path.join(HERE, '..', 'Tests', 'VSRQualityTests', 'Fixtures', 'imresize-numpy.json'))


def main():
    rng = np.random.default_rng(20261121)
    cases = []
    # Odd sizes so that ceil() and the symmetric padding at both ends are exercised; one colour image.
    for (h, w, c) in [(11, 13, 1), (6, 7, 3), (7, 5, 1)]:
        # Inputs on a 1e-6 grid so that the JSON text is exact; outputs to 12 significant digits.
        img = np.round(rng.random((h, w, c)), 6)
        for scale in (1 / 4, 1 / 3, 1 / 2, 2, 3, 4):
            out = imresize(img, scale)
            cases.append({'width': w, 'height': h, 'channels': c, 'scale': scale,
                          'input': img.reshape(-1).tolist(), 'out_width': out.shape[1],
                          'out_height': out.shape[0], 'output': [float(f'{v:.12g}') for v in out.reshape(-1)]})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump({'generator': 'training/imresize_fixture.py', 'cases': cases}, f)
    print(f'wrote {OUT}: {len(cases)} cases')


if __name__ == '__main__':
    main()
