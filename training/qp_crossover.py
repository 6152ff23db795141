#!/usr/bin/env python3
"""From which stream QP up a high-QP specialist beats its camera model, measured on held-out
training-like sequences: the QP a shipped specialist's `qp_band.min` is set to.

qp_calibration.py placed the band boundaries between the bands' training QPs; this asks the
question that decides what vsr should run. It draws fresh sequences from the training images
(degrade.py's motion, downscalers, presets and GOPs; a seed training never used; x264 only, the
codec whose QPs vsr reads), notes x264's mean QP of each (what vsr's QuantiserTracker estimates
from the decoder's macroblock QPs), runs both networks from their checkpoints on every frame and
prints, per QP bin, the specialist's mean Y-PSNR minus the camera model's. No evaluation clip is
involved. About 15 minutes on 2 cores.

    python3 training/qp_crossover.py --scale 2 --model balanced --model fast
"""
import argparse
import functools
import glob
import os
import sys
from multiprocessing import Pool

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from qp_calibration import x264_mean_qp, x264_only  # noqa: E402
from train import POLISH_QUEUE  # noqa: E402
from vsr_train import degrade, models  # noqa: E402
from vsr_train.degrade import compress  # noqa: E402  (the original: sequence() wraps it)

DATASETS = os.path.normpath(os.path.join(HERE, '..', '..', 'shared', 'datasets'))
CKPT_DIR = os.path.join(HERE, 'checkpoints')


def sequence(job):
    """One held-out sequence: (all LR frames, all HR frames, x264's mean QP), or None."""
    path, scale, seed = job
    qp = []
    degrade.compress = functools.partial(compress, encoder_log=lambda log: qp.append(x264_mean_qp(log)))
    degrade._codec_args, degrade.KEEP = x264_only, degrade.FRAMES
    r = degrade.degraded_sequence(np.asarray(Image.open(path).convert('RGB'), np.float64) / 255, scale,
                                  np.random.default_rng(seed))
    return None if r is None or not qp else (np.stack(r[0]), np.stack(r[1]), qp[0])


def load(tag, name, scale):
    net = models.build(name, scale)
    net.load_state_dict(torch.load(os.path.join(CKPT_DIR, f'{tag}.pt'), weights_only=False)['net'])
    return net.eval()


@torch.no_grad()
def psnr_gap(camera, specialist, lr, hr, scale):
    """Specialist minus camera model, Y-PSNR over the whole sequence (border = scale)."""
    x = torch.from_numpy(lr.astype(np.float32) / 255)[:, None]
    ref = hr[:, scale:-scale, scale:-scale].astype(np.float64)
    mse = [np.mean((np.clip(np.round(n(x)[:, 0].numpy() * 255), 0, 255)[:, scale:-scale, scale:-scale] - ref) ** 2)
           for n in (camera, specialist)]
    return 10 * np.log10(mse[0] / mse[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--scale', type=int, default=2)
    ap.add_argument('--model', action='append', help='camera family member (default: balanced and fast)')
    ap.add_argument('--band', default='highqp')
    ap.add_argument('--variants', type=int, default=2, help='sequences drawn per training image')
    ap.add_argument('--seed', type=int, default=77)
    a = ap.parse_args()
    paths = sorted(p for d in ('T91', 'BSDS200') for p in glob.glob(os.path.join(DATASETS, d, '*')))
    jobs = [(p, a.scale, a.seed * 1_000_003 + v * 10_007 + i) for v in range(a.variants) for i, p in enumerate(paths)]
    with Pool(2) as pool:
        seqs = [s for s in pool.map(sequence, jobs, chunksize=8) if s is not None]
    print(f'x{a.scale}: {len(seqs)} held-out x264 sequences', flush=True)
    torch.set_num_threads(2)
    for name in a.model or ['balanced', 'fast']:
        # What ships: the polished checkpoint of a run in train.py's POLISH_QUEUE, else the L1 one
        # (camera-quality-x2's polish exists but does not ship).
        def tag(band):
            base = f'camera-{name}-{band}-x{a.scale}' if band else f'camera-{name}-x{a.scale}'
            return base + '-l2' if (name, a.scale, band) in POLISH_QUEUE else base
        camera, specialist = load(tag(None), name, a.scale), load(tag(a.band), name, a.scale)
        rows = np.array([(qp, psnr_gap(camera, specialist, lr, hr, a.scale)) for lr, hr, qp in seqs])
        print(f'{tag(a.band)} minus {tag(None)}, by x264 mean QP:')
        for lo in range(int(rows[:, 0].min()), int(rows[:, 0].max()) + 1):
            sel = (rows[:, 0] >= lo) & (rows[:, 0] < lo + 1)
            if sel.sum() >= 5:
                print(f'  QP {lo}-{lo + 1}: {sel.sum():3d} sequences, {rows[sel, 1].mean():+.3f} dB')


if __name__ == '__main__':
    main()
