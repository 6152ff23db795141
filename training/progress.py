#!/usr/bin/env python3
"""Prints where every training run stands (from training/checkpoints/*.log)."""
import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
for path in sorted(glob.glob(os.path.join(HERE, 'checkpoints', '*.log'))):
    lines = [json.loads(l) for l in open(path) if l.strip()]
    steps = [l for l in lines if 'step' in l]
    done = [l for l in lines if 'exported' in l]
    tag = os.path.basename(path)[:-4]
    if done:
        print(f'{tag:12s} done     {done[-1]["results"]}  ({done[-1]["hours"]:.2f} h)')
    elif steps:
        s = steps[-1]
        best = max(l['set5_psnr'] for l in steps)
        print(f'{tag:12s} {100 * s["step"] / s["steps"]:5.1f} %  step {s["step"]}/{s["steps"]}  '
              f'loss {s["loss"]:.5f}  Set5 {s["set5_psnr"]:.3f} dB (best {best:.3f})  '
              f'{s["hours"]:.2f} h  at {s["time"]}')
