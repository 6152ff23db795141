#!/usr/bin/env python3
"""Recipe trials on the shipped camera-balanced-x2: 8K more MSE steps from its polished checkpoint
with one change to the data, each written to /tmp/vsr-trials/NAME.safetensors for
`vsr eval-video CLIP --scale 2 --frames 60 --precision fp32 --no-ssim --model /tmp/vsr-trials/NAME.safetensors`.

  python3 training/recipe_trials.py --name control                       # same data: is it converged?
  python3 training/recipe_trials.py --name ms --extra multiscale --shares 1,1.5,1.5
  python3 training/recipe_trials.py --name long --extra long --shares 1,1.5,1.5
  python3 training/recipe_trials.py --name share11 --shares 1,1           # clean : compressed

--extra adds a third source of compressed sequences beside the cached ones: `multiscale` shrinks each
HR image by 0.5-0.85 (Lanczos) first, as Real-ESRGAN's multi-scale ground truth does (softer,
video-like detail); `long` encodes 16-frame sequences (more P/B drift) instead of 8. Results:
training/README.md, "What no longer moves it". About 10 minutes a trial on one core.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train as T  # noqa: E402
from vsr_train import degrade, models  # noqa: E402
from vsr_train.data import MixedSampler, PatchSampler, degraded_planes, load_rgb3, training_planes  # noqa: E402
from vsr_train.export import model_file  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--name', required=True)
ap.add_argument('--extra', choices=('none', 'multiscale', 'long'), default='none')
ap.add_argument('--steps', type=int, default=8000)
ap.add_argument('--lr', type=float, default=1e-4)
ap.add_argument('--shares', default='1,3')
ap.add_argument('--base', default='camera-balanced-x2-l2')
ap.add_argument('--model', default='balanced')
ap.add_argument('--gen-only', action='store_true', help='only make the --extra cache')
a = ap.parse_args()
torch.set_num_threads(1)
scale = 2
folders = [os.path.join(T.DATASETS, 'T91'), os.path.join(T.DATASETS, 'BSDS200')]
cache = os.path.join(HERE, 'cache')
OUT = '/tmp/vsr-trials'


def ms_degrade(job):
    """data._degrade_one on an HR image shrunk by a random 0.5-0.85 first."""
    path, sc, seed = job
    rng = np.random.default_rng(seed)
    f = rng.uniform(0.5, 0.85)
    img = Image.fromarray(np.round(load_rgb3(path) * 255).astype(np.uint8))
    img = img.resize((max(1, round(img.width * f)), max(1, round(img.height * f))), Image.LANCZOS)
    hr = np.asarray(img, np.float64) / 255.0
    return degrade.degraded_sequence(hr, sc, rng)


extra = None
if a.extra == 'multiscale':
    # seeds 1xx: never train.py's own caches
    extra = degraded_planes(folders, scale, cache, T.DEGRADED_VARIANTS, seed=109, degrade_one=ms_degrade)
elif a.extra == 'long':
    degrade.FRAMES = 16
    extra = degraded_planes(folders, scale, cache, T.DEGRADED_VARIANTS, seed=110)
if a.gen_only:
    sys.exit(f'frames: {len(extra[0])}' if extra else 'nothing to make without --extra')

lrs, hrs = training_planes(folders, scale, cache)
dl, dh = degraded_planes(folders, scale, cache, T.DEGRADED_VARIANTS, seed=T.DEGRADED_SEED)
samplers = [PatchSampler(lrs, hrs, scale, T.PATCH[scale], seed=11), PatchSampler(dl, dh, scale, T.PATCH[scale], seed=12)]
shares = [float(s) for s in a.shares.split(',')]
if extra:
    samplers.append(PatchSampler(extra[0], extra[1], scale, T.PATCH[scale], seed=13))
sampler = MixedSampler(samplers, shares, seed=14)
net = models.build(a.model, scale).to(memory_format=torch.channels_last)
net.load_state_dict(torch.load(os.path.join(T.CKPT_DIR, f'{a.base}.pt'), weights_only=False)['net'])
opt = torch.optim.Adam(net.parameters(), lr=a.lr)
torch.manual_seed(5)
t0, run = time.time(), 0.0
for step in range(a.steps):
    lr = T.cosine_lr(step, a.steps, a.lr)
    for g in opt.param_groups: g['lr'] = lr
    x, y = sampler.batch(T.BATCH)
    x = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
    loss = F.mse_loss(net(x), torch.from_numpy(y))
    opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    run += loss.item()
    if (step + 1) % 1000 == 0:
        print(step + 1, run / 1000, f'{(time.time()-t0)/60:.1f} min', flush=True); run = 0.0
layers = net.folded_layers()
plain = models.PlainNet(layers, scale)
s5 = T.evaluate(plain, 'Set5', scale)
print('set5', s5, flush=True)
os.makedirs(OUT, exist_ok=True)
model_file(f'{OUT}/{a.name}.safetensors', a.name, 'experiment', scale,
           [(w.numpy(), b.numpy(), None if s is None else s.numpy()) for w, b, s in layers], 'experiment',
           psnr={'Set5': {'psnr': round(s5, 3), 'ssim': 0.0}, 'Set14': {'psnr': 0.0, 'ssim': 0.0}})
print('done', flush=True)
