#!/usr/bin/env python3
"""Adds int8 data to model files (docs/MODEL_FORMAT.md, format 2), for vsr's VNNI engine.

  python3 training/quantize.py weights/balanced-x2.safetensors [...] [--qat-steps N]

What the engine computes (Sources/VSRKernels/Int8): s8 weights with one scale per output channel
(symmetric, max |w| / 127) and the input's scales folded in, u8 activations with a scale and
zero point per channel (value = scale * (q - zero_point), zero padding = the zero point), int32
accumulation, the float bias and PReLU after it, the last layer in float. Layer 0's input is the
8-bit luma itself.

1. Calibration (post-training): the fp32 network runs on LR patches of its own training
   distribution (T91 + BSDS200: clean MATLAB-bicubic for the paper family, clean and compressed
   frames 1:3 for the camera family); each hidden activation's per-channel ranges are chosen
   greedily, layer by layer, among min/max and upper percentiles, by the simulated int8 network's
   output error.
2. Quantisation-aware fine-tuning (--qat-steps, default 0): when calibration alone loses too much,
   the folded (deploy) network is fine-tuned with fake quantisation (straight-through rounding)
   at the calibrated ranges, L1 loss against the fp32 network's own output (distillation), then
   recalibrated. Only the int8 tensors come from
   it: the fp32 weights in the file stay as trained.

The int8 loss is reported on held-out patches (a separate draw); Set5/Set14 are never used here
(`vsr eval --precision int8` measures them).
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from vsr_train.data import PatchSampler, MixedSampler, degraded_planes, training_planes
from vsr_train.models import BicubicResidual
from vsr_train.safetensors import read_tensors, write_safetensors

HERE = os.path.dirname(os.path.abspath(__file__))
DATASETS = os.path.normpath(os.path.join(HERE, '..', '..', 'shared', 'datasets'))
CACHE = os.path.join(HERE, 'cache')
PERCENTILES = (100, 99.999, 99.99, 99.95, 99.9, 99.8, 99.5)


def load(path):
    tensors, arch = read_tensors(path)
    layers = []
    for i, l in enumerate(arch['layers']):
        w = torch.from_numpy(tensors[f'layers.{i}.weight'].astype(np.float32))
        b = torch.from_numpy(tensors[f'layers.{i}.bias'].astype(np.float32))
        s = tensors.get(f'layers.{i}.prelu')
        act = l['activation']
        if act == 'tanh':
            raise SystemExit(f'{path}: tanh has no int8 kernel')
        layers.append([w, b, act, None if s is None else torch.from_numpy(s.astype(np.float32))])
    return tensors, arch, layers


def activation(y, act, slope):
    if act == 'prelu':
        return F.prelu(y, slope)
    if act == 'relu':
        return F.relu(y)
    return y


def weight_quant(w):
    """Per output channel symmetric s8 (w with the input scales folded in): (q, scales)."""
    m = w.abs().flatten(1).max(1).values.clamp_min(1e-12)
    s = m / 127
    q = torch.round(w / s[:, None, None, None]).clamp(-127, 127)
    return q, s


class STERound(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, g):
        return g


def luma_quant():
    return torch.tensor([1 / 255.0]), torch.tensor([0.0])


def fake_weight(w):
    """Per output channel symmetric s8 quantise-dequantise (straight-through rounding)."""
    m = w.abs().flatten(1).max(1).values.clamp_min(1e-12).detach()
    s = (m / 127)[:, None, None, None]
    return torch.clamp(STERound.apply(w / s), -127, 127) * s


def channel_ranges(y, percentile):
    """Per channel (scale, zero point) of activations y [N, C, H, W] at an upper percentile
    (its mirror for the lower end); the range always includes 0 (zero padding is exact)."""
    t = y.transpose(0, 1).flatten(1)
    if t.shape[1] > 400_000:
        t = t[:, torch.randperm(t.shape[1], generator=torch.Generator().manual_seed(0))[:400_000]]
    if percentile < 100:
        hi = torch.quantile(t, percentile / 100, dim=1)
        lo = torch.quantile(t, 1 - percentile / 100, dim=1)
    else:
        hi, lo = t.max(1).values, t.min(1).values
    lo, hi = torch.clamp(lo, max=0), torch.clamp(hi, min=0)
    scale = torch.clamp(hi - lo, min=1e-6) / 255
    scale = torch.from_numpy(scale.numpy().astype(np.float32))
    zero = torch.clamp(torch.round(-lo / scale), 0, 255)
    return scale, zero


def forward(layers, x, residual, scale, acts=None, quant_weights=False, upto=None):
    """The network on x. With `acts` (per layer (scales, zero points) of its input, None = not yet
    quantised), as the engine computes it: u8 inputs minus zero points times s8 weights with the
    input scales folded in, times the weight scale, plus bias. `upto=i`: layer i's float input."""
    y = x
    for i, (w, b, act, slope) in enumerate(layers):
        if upto is not None and i == upto:
            return y
        if acts is None or acts[i] is None:
            y = F.conv2d(y, fake_weight(w) if quant_weights else w, b, padding=w.shape[-1] // 2)
        else:
            s, z = acts[i]
            q = torch.clamp(STERound.apply(y / s[None, :, None, None] + z[None, :, None, None]), 0, 255) - z[None, :, None, None]
            folded = w * s[None, :, None, None]
            y = F.conv2d(q, fake_weight(folded) if quant_weights else folded, b, padding=w.shape[-1] // 2)
        y = activation(y, act, slope)
    if residual is not None:
        y = y + residual(x)
    return F.pixel_shuffle(y, scale)


def calibrate(layers, xs, residual, scale):
    """Greedy, layer by layer: each hidden activation's per-channel ranges at the percentile that
    gives the simulated int8 network the smallest output error."""
    n = len(layers)
    acts = [luma_quant()] + [None] * (n - 1)
    with torch.no_grad():
        ref = forward(layers, xs, residual, scale)
        for i in range(1, n):
            h = forward(layers, xs, residual, scale, acts, quant_weights=True, upto=i)
            best = None
            for p in PERCENTILES:
                acts[i] = channel_ranges(h, p)
                err = float(F.mse_loss(forward(layers, xs, residual, scale, acts, quant_weights=True), ref))
                if best is None or err < best[0]:
                    best = (err, acts[i])
            acts[i] = best[1]
    return acts


def to8(x):
    return torch.round(x * 255) / 255


def psnr(a, b):
    """Y-PSNR in dB of [0,1] tensors, 8-bit rounded, a 4-pixel border left out."""
    a = torch.clamp(torch.round(a * 255), 0, 255)[..., 4:-4, 4:-4]
    b = torch.clamp(torch.round(b * 255), 0, 255)[..., 4:-4, 4:-4]
    return float(10 * torch.log10(255 ** 2 / F.mse_loss(a, b)))


def samplers(scale, seed, camera):
    """The model's own training distribution: clean MATLAB-bicubic pairs for the paper family,
    clean : compressed 1 : 3 for the camera family (as train.py's CAMERA_SHARES)."""
    folders = [os.path.join(DATASETS, 'T91'), os.path.join(DATASETS, 'BSDS200')]
    clean = PatchSampler(*training_planes(folders, scale, CACHE), scale, 48, seed)
    if not camera:
        return clean
    compressed = PatchSampler(*degraded_planes(folders, scale, CACHE, 4, seed=8), scale, 48, seed + 1)
    return MixedSampler([clean, compressed], (1, 3), seed)


def qat(layers, acts, residual, scale, steps, seed, camera):
    """Fine-tunes copies of the folded layers under fake quantisation; returns them."""
    tuned = [[w.clone().requires_grad_(True), b.clone().requires_grad_(True), act,
              None if s is None else s.clone().requires_grad_(True)] for w, b, act, s in layers]
    params = [t for l in tuned for t in (l[0], l[1], l[3]) if t is not None]
    opt = torch.optim.Adam(params, lr=2e-5)
    sampler = samplers(scale, seed + 100, camera)
    for step in range(steps):
        x = to8(torch.from_numpy(sampler.batch(16)[0]))
        with torch.no_grad():
            teacher = forward(layers, x, residual, scale)
        # Distillation: the int8 network learns to match its own fp32 form (what the bound is
        # against), not the HR image.
        loss = F.l1_loss(forward(tuned, x, residual, scale, acts, quant_weights=True), teacher)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 500 == 0:
            print(f'  qat step {step}: l1 {float(loss):.5f}', flush=True)
    return [[w.detach(), b.detach(), act, None if s is None else s.detach()] for w, b, act, s in tuned]


PARITY_DIR = os.path.join(HERE, '..', 'Tests', 'VSRModelsTests', 'Fixtures')


def write_int8_fixture(layers, acts, residual, scale, model):
    """The parity fixture's 8-bit input (train.py's) and this simulation's int8 output: a Swift
    test runs the file's int8 form on it and compares (the engine's own rounding may flip a code
    near .5, so within a small tolerance)."""
    rng = np.random.default_rng(1234)
    codes = rng.integers(16, 236, size=(13, 17)).astype(np.float32)
    codes[4:9, 5:12] = np.round(np.linspace(16, 235, 35)).reshape(5, 7)
    with torch.no_grad():
        y = forward(layers, torch.from_numpy(codes / 255.0)[None, None].float(), residual, scale, acts, quant_weights=True)
    write_safetensors(os.path.join(PARITY_DIR, f'parity-int8-{model}'), {'input_codes': codes, 'output': y[0, 0].numpy()},
                      {'model': model})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('models', nargs='+')
    ap.add_argument('--patches', type=int, default=96)
    ap.add_argument('--qat-steps', type=int, default=0)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    for path in a.models:
        start = time.time()
        tensors, arch, layers = load(path)
        scale = arch['scale']
        residual = BicubicResidual(scale) if arch['residual'] == 'bicubic' else None
        camera = arch['name'].startswith('camera-')
        cal = samplers(scale, a.seed, camera)
        # 8-bit LR luma, as the int8 engine takes it (layer 0's u8 input is the sample itself).
        xs = to8(torch.from_numpy(cal.batch(a.patches)[0]))
        held = samplers(scale, a.seed + 50, camera)
        hx, hy = map(torch.from_numpy, held.batch(a.patches))
        hx = to8(hx)
        acts = calibrate(layers, xs, residual, scale)
        int8_layers = layers
        if a.qat_steps > 0:
            int8_layers = qat(layers, acts, residual, scale, a.qat_steps, a.seed, camera)
            acts = calibrate(int8_layers, xs, residual, scale)
        with torch.no_grad():
            fp32 = psnr(forward(layers, hx, residual, scale), hy)
            int8 = psnr(forward(int8_layers, hx, residual, scale, acts, quant_weights=True), hy)
        out = {k: v for k, v in tensors.items() if '.weight_q' not in k and '.weight_scale' not in k}
        for i, (w, _, _, _) in enumerate(int8_layers):
            q, s = weight_quant(w * acts[i][0][None, :, None, None])
            out[f'layers.{i}.weight_q'] = q.numpy().astype(np.int8)
            out[f'layers.{i}.weight_scale'] = s.numpy().astype(np.float32)
        how = ('post-training calibration' + (f' + {a.qat_steps} quantisation-aware steps' if a.qat_steps else '')
               + f' on {a.patches} T91/BSDS200 LR patches' + (' (clean and compressed, 1:3)' if camera else ' (clean)'))
        arch['format'] = 2
        arch['int8'] = {'activations': [{'scale': [float(v) for v in s], 'zero_point': [int(v) for v in z]}
                                        for s, z in acts[1:]],
                        'calibration': how,
                        'held_out_psnr': {'fp32': round(fp32, 3), 'int8': round(int8, 3)}}
        write_safetensors(path, out, {'vsr': arch})
        write_int8_fixture(int8_layers, acts, residual, scale, os.path.basename(path))
        print(f'{os.path.basename(path)}: held-out PSNR fp32 {fp32:.3f} dB, int8 {int8:.3f} dB '
              f'({int8 - fp32:+.3f}); {time.time() - start:.0f} s', flush=True)


if __name__ == '__main__':
    main()
