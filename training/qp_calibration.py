"""Which H.264 QPs the QP-band specialists were trained on: the QP boundaries vsr picks them by.

The specialists are trained on sequences of one x264/x265 CRF band (train.py QP_BANDS), but vsr
sees QPs, not CRFs, and x264 turns one CRF into QPs that depend on the content and the preset.
This draws training-like sequences (degrade.py's motion, downscale, presets and GOPs; x264 only,
the codec whose QPs vsr reads), encodes each at its CRF, reads x264's average QP per frame type
from its log and prints each band's mean QP over all frames; a boundary is the midpoint between
two neighbouring bands' means. No evaluation clip is involved.

    python3 training/qp_calibration.py --scale 2
"""
import argparse
import glob
import os
import re
import subprocess
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vsr_train import degrade  # noqa: E402

BANDS = {'lowqp': (18, 26), 'midqp': (25, 31), 'highqp': (30, 38)}  # train.py QP_BANDS' CRF ranges


def x264_mean_qp(log):
    """x264's mean QP over all frames of one encode, from its per-frame-type summary in `log`."""
    n = total = 0
    for m in re.finditer(r'frame [IPB]:\s*(\d+)\s+Avg QP:\s*([\d.]+)', log):
        n += int(m.group(1))
        total += int(m.group(1)) * float(m.group(2))
    return total / n


def mean_qp(yuv_frames, width, height, args):
    """x264's mean QP over all frames of one encode."""
    r = subprocess.run(['ffmpeg', '-v', 'info', '-f', 'rawvideo', '-pix_fmt', 'yuv420p',
                        '-s', f'{width}x{height}', '-r', '25', '-i', '-', *args, '-f', 'null', '-'],
                       input=b''.join(yuv_frames), capture_output=True, check=True)
    return x264_mean_qp(r.stderr.decode())


def x264_only(rng, draw=degrade._codec_args):
    """degrade.py's codec draw, redrawn until it is x264 (the codec whose QPs vsr reads)."""
    while 'libx264' not in (args := draw(rng))[0]:
        pass
    return args


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--scale', type=int, default=2)
    ap.add_argument('--variants', type=int, default=2, help='sequences drawn per training image')
    ap.add_argument('--seed', type=int, default=5)
    ap.add_argument('--data', default=os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'datasets'))
    a = ap.parse_args()

    samples = []  # (crf, mean QP)

    def compress(yuv_frames, width, height, args):
        samples.append((int(args[args.index('-crf') + 1]), mean_qp(yuv_frames, width, height, args)))
        return [np.zeros((height, width), np.uint8)] * degrade.FRAMES

    degrade.compress, degrade._codec_args = compress, x264_only
    paths = sorted(p for d in ('T91', 'BSDS200') for p in glob.glob(os.path.join(a.data, d, '*')))
    rng = np.random.default_rng(a.seed)
    for _ in range(a.variants):
        for p in paths:
            degrade.degraded_sequence(np.asarray(Image.open(p).convert('RGB'), np.float64) / 255, a.scale, rng)

    crf, qp = np.array(samples).T
    slope, offset = np.polyfit(crf, qp, 1)
    print(f'x{a.scale}: {len(samples)} x264 sequences, mean QP = {slope:.3f} CRF + {offset:.2f}')
    means = {}
    for band, (lo, hi) in BANDS.items():
        q = qp[(crf >= lo) & (crf <= hi)]
        means[band] = q.mean()
        print(f'{band:7s} CRF {lo}-{hi}: mean QP {q.mean():.2f} (10-90 %: {np.percentile(q, 10):.1f}-{np.percentile(q, 90):.1f})')
    names = list(BANDS)
    for lo, hi in zip(names, names[1:]):
        print(f'boundary {lo}/{hi}: QP {(means[lo] + means[hi]) / 2:.2f}')


if __name__ == '__main__':
    main()
