#!/usr/bin/env python3
"""Train vsr's bundled models on the CPU, resumably.

  python3 training/train.py --model balanced --scale 2 --steps 200000   # one model
  python3 training/train.py --queue                                      # the whole family, in order
  python3 training/progress.py                                           # where every run stands

Checkpoints (training/checkpoints/NAME-xS.pt) are written every few minutes and are small enough
to commit, so a run continues in the next session on another machine. When a run reaches its
step budget it is exported to weights/NAME-xS.safetensors with its measured Set5/Set14 PSNR.
"""
import argparse
import fcntl
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
from vsr_train import degrade, models  # noqa: E402
from vsr_train.data import (MixedSampler, PatchSampler, crf_band, degraded_planes,  # noqa: E402
                            list_images, make_pair, training_planes)
from vsr_train.export import model_file  # noqa: E402
from vsr_train.imresize import rgb_to_y  # noqa: E402
from vsr_train.metrics import psnr, ssim  # noqa: E402

DATASETS = os.path.normpath(os.path.join(HERE, '..', '..', 'shared', 'datasets'))
CKPT_DIR = os.path.join(HERE, 'checkpoints')
WEIGHTS = os.path.normpath(os.path.join(HERE, '..', 'weights'))
# (name, scale, steps): the order the queue trains in. quality-x2, the longest run, early; the
# fast models, whose targets are the tightest for their size, before the balanced ones.
QUEUE = [('balanced', 2, 150_000), ('fast', 2, 100_000), ('quality', 2, 60_000),
         ('fast', 4, 100_000), ('fast', 3, 100_000), ('balanced', 4, 150_000), ('balanced', 3, 150_000),
         ('quality', 4, 60_000), ('quality', 3, 60_000)]
# Share of the steps run with bfloat16 autocast (the learned body only; the bicubic residual and
# the loss stay fp32). About 1.8x faster per step for quality-x2 on this CPU; the last quarter,
# at low learning rates, runs in fp32. A 2000-step trial on quality-x4 gave the same Set5 PSNR
# (29.28 dB both ways).
BF16_SHARE = {'quality': 0.75}
# The camera family: the same networks fine-tuned from the paper family's checkpoints on a mix of
# clean MATLAB-bicubic pairs and compressed video frames (vsr_train.degrade). Shares are
# clean : compressed; DEGRADED_VARIANTS random sequences per training image are cached.
CAMERA_QUEUE = [('balanced', 2, 40_000), ('fast', 2, 40_000), ('balanced', 4, 40_000),
                ('fast', 4, 40_000), ('quality', 2, 20_000), ('balanced', 3, 40_000),
                ('fast', 3, 40_000), ('quality', 4, 20_000), ('quality', 3, 20_000)]
CAMERA_SHARES = (1, 3)
CAMERA_LR_MAX = 5e-4
# QP-band specialists: each camera model fine-tuned further on the compressed sequences of one
# CRF band only; vsr picks one by the stream's compression level (the mean H.264 QP of its last 16
# frames), the camera model itself where no QP is known. band -> (CRF range trained on, clean :
# compressed share or None, the QP range vsr uses it for at x2 and at x4). The QP boundaries are
# the midpoints between neighbouring bands' mean QPs on training-like sequences
# (qp_calibration.py --scale 2 / 4): x264 turns one CRF into different QPs for different content,
# so a CRF band is not a QP band. The one that ships, x2 highqp, starts where it beats the camera
# model on held-out training-like sequences (qp_crossover.py: from QP 32 in every 1-QP bin, both
# balanced and fast, after the L2 polish; 31-32 is a tie) instead of at the midpoint 33.9.
QP_BANDS = {'lowqp': ((18, 26), (1, 3), {2: (0.0, 27.7), 4: (0.0, 28.0)}),
            'midqp': ((25, 31), None, {2: (27.7, 32.0), 4: (28.0, 33.8)}),
            'highqp': ((30, 38), None, {2: (32.0, 52.0), 4: (33.8, 52.0)})}
BAND_QUEUE = [('balanced', 2, 'midqp'), ('balanced', 2, 'highqp'), ('balanced', 2, 'lowqp'),
              ('fast', 2, 'midqp'), ('fast', 2, 'highqp'), ('fast', 2, 'lowqp'),
              ('balanced', 4, 'midqp'), ('balanced', 4, 'highqp'), ('balanced', 4, 'lowqp'),
              ('fast', 4, 'midqp'), ('fast', 4, 'highqp'), ('fast', 4, 'lowqp')]
BAND_STEPS = 12_000
BAND_LR_MAX = 2e-4
# L2 polish: the last stage of each camera model (and QP-band specialist) that ships. Trained with
# L1 like the paper family, the networks are then fine-tuned with the MSE loss, on the same data,
# since PSNR is what they are judged by. A trial of 8K steps on camera-balanced-x2 gained
# +0.02-0.06 dB over 8K more L1 steps on all three clips at all three CRFs (a centred 3-frame input,
# tried the same way, gained +0.00: the neighbours' first-layer weights stayed near zero).
# Not in it: quality-x2's polish (checkpoint kept) lost 0.24 dB on clean Set5 and 0.02-0.07 dB at
# CRF 23 for its gains at CRF 28-33. quality-x4/x3's gained on Set5 and in all 18 clip cells.
POLISH_QUEUE = [('balanced', 2, None), ('fast', 2, None), ('balanced', 2, 'highqp'), ('fast', 2, 'highqp'),
                ('balanced', 4, None), ('fast', 4, None), ('balanced', 3, None), ('fast', 3, None),
                ('quality', 2, 'highqp'), ('quality', 4, None), ('quality', 3, None)]
POLISH_STEPS = 8_000
POLISH_LR_MAX = 2e-4
DEGRADED_VARIANTS = 4
DEGRADED_SEED = 8   # 7: the first mix (more blur and noise), replaced at step 10K of camera-balanced-x2
PATCH = {2: 48, 3: 40, 4: 32}   # LR patch side
BATCH = 16
LR_MAX, LR_MIN = 1e-3, 1e-6
CHECKPOINT_SECONDS = 300
DESCRIPTION = {'fast': 'smallest and fastest: real-time 720p and multi-camera streams',
               'balanced': 'the default: FSRCNN-class quality at real-time rates',
               'quality': 'offline file upscaling, closest to VDSR'}
CAMERA_DESCRIPTION = {'fast': 'camera family, fastest: compressed live streams and 720p',
                      'balanced': 'camera family, the default for compressed (H.264/H.265) video',
                      'quality': 'camera family, best on compressed video files'}


def log(path, **fields):
    fields['time'] = time.strftime('%Y-%m-%d %H:%M:%S')
    with open(path, 'a') as f:
        f.write(json.dumps(fields) + '\n')


@torch.no_grad()
def evaluate(net, dataset, scale, full=False):
    """Mean Y-PSNR (and SSIM when full) on a test set, exactly as `vsr eval` measures."""
    net.eval()
    ps, ss = [], []
    for path in list_images(os.path.join(DATASETS, dataset)):
        hr_y, lr, _ = make_pair(path, scale)
        x = torch.from_numpy((rgb_to_y(lr) / 255.0).astype(np.float32))[None, None]
        sr = net(x)[0, 0].double().numpy()
        sr_y = np.round(np.clip(sr * 255.0, 0, 255))
        ps.append(psnr(hr_y, sr_y, scale))
        if full:
            ss.append(ssim(hr_y, sr_y, scale))
    net.train()
    return (float(np.mean(ps)), float(np.mean(ss))) if full else float(np.mean(ps))


def claim(tag):
    """An exclusive lock on one run, held while this process lives: two `--queue` processes
    (one per core) then share the queue without training the same model twice."""
    f = open(os.path.join(CKPT_DIR, f'{tag}.lock'), 'w')
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        return None
    return f


def trim_log(log_path, step):
    """Drop log lines past the checkpoint we resume from (written after its last save)."""
    if not os.path.exists(log_path):
        return
    with open(log_path) as f:
        lines = [ln for ln in f if json.loads(ln).get('step', 0) <= step]
    with open(log_path, 'w') as f:
        f.writelines(lines)


def cosine_lr(step, steps, lr_max):
    """The learning rate of every run: cosine from lr_max at step 0 to LR_MIN at the last step."""
    return LR_MIN + 0.5 * (lr_max - LR_MIN) * (1 + math.cos(math.pi * step / steps))


def run_tag(family, name, scale, band=None):
    if family == 'paper':
        return f'{name}-x{scale}'
    return f'{family}-{name}-{band}-x{scale}' if band else f'{family}-{name}-x{scale}'


def train(name, scale, steps, seed=1, family='paper', band=None, polish=False):
    tag = run_tag(family, name, scale, band) + ('-l2' if polish else '')
    os.makedirs(CKPT_DIR, exist_ok=True)
    lock = claim(tag)
    if lock is None:
        print(f'{tag}: another process is training it; skipping', flush=True)
        return None
    ckpt_path = os.path.join(CKPT_DIR, f'{tag}.pt')
    log_path = os.path.join(CKPT_DIR, f'{tag}.log')
    # channels-last runs oneDNN's faster convolutions on the CPU (about 1.25x per step here).
    net = models.build(name, scale).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), lr=LR_MAX)
    step, elapsed, best = 0, 0.0, 0.0
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, weights_only=False)
        net.load_state_dict(ck['net'])
        opt.load_state_dict(ck['opt'])
        step, elapsed, best = ck['step'], ck['elapsed'], ck.get('best', 0.0)
        print(f'{tag}: resuming at step {step}/{steps}', flush=True)
        trim_log(log_path, step)
    elif polish:
        base_tag = run_tag(family, name, scale, band)
        base = torch.load(os.path.join(CKPT_DIR, f'{base_tag}.pt'), weights_only=False)
        if base['step'] < base.get('steps', 0):
            raise SystemExit(f'{tag}: {base_tag} has not finished its L1 training')
        net.load_state_dict(base['net'])
        print(f'{tag}: polishing {base_tag} (step {base["step"]}) with the MSE loss', flush=True)
    elif family == 'camera':
        # Warm start: the paper model already knows clean upscaling; the fine-tune teaches it
        # what compression does to a frame (and a band specialist starts from the camera model).
        base_tag = run_tag('camera' if band else 'paper', name, scale)
        base = torch.load(os.path.join(CKPT_DIR, f'{base_tag}.pt'), weights_only=False)
        net.load_state_dict(base['net'])
        print(f'{tag}: starting from {base_tag} (step {base["step"]})', flush=True)
    if step >= steps:
        return net
    folders = [os.path.join(DATASETS, 'T91'), os.path.join(DATASETS, 'BSDS200')]
    lrs, hrs = training_planes(folders, scale, os.path.join(HERE, 'cache'))
    sampler = PatchSampler(lrs, hrs, scale, PATCH[scale], seed=seed * 1000 + step)
    if family == 'camera':
        cache = os.path.join(HERE, 'cache')
        dl, dh = degraded_planes(folders, scale, cache, DEGRADED_VARIANTS, seed=DEGRADED_SEED)
        shares = CAMERA_SHARES
        if band:
            (lo, hi), shares, _ = QP_BANDS[band]
            dl, dh = crf_band(dl, dh, scale, cache, DEGRADED_VARIANTS, DEGRADED_SEED, lo, hi)
        compressed = PatchSampler(dl, dh, scale, PATCH[scale], seed=seed * 2000 + step)
        sampler = MixedSampler([sampler, compressed], shares, seed=seed * 3000 + step) if shares else compressed
    lr_max = POLISH_LR_MAX if polish else BAND_LR_MAX if band else CAMERA_LR_MAX if family == 'camera' else LR_MAX
    torch.manual_seed(seed * 1000 + step)
    last_save, t0, running = time.time(), time.time() - elapsed, 0.0

    def save():
        tmp = ckpt_path + '.tmp'
        torch.save({'net': net.state_dict(), 'opt': opt.state_dict(), 'step': step,
                    'elapsed': time.time() - t0, 'best': best, 'steps': steps}, tmp)
        os.replace(tmp, ckpt_path)

    while step < steps:
        lr = cosine_lr(step, steps, lr_max)
        for g in opt.param_groups:
            g['lr'] = lr
        x, y = sampler.batch(BATCH)
        x = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
        if not polish and step < BF16_SHARE.get(name, 0) * steps:
            with torch.autocast('cpu', dtype=torch.bfloat16):
                body = net.body(x)
            out = F.pixel_shuffle(body.float() + net.residual(x), scale)
        else:
            out = net(x)
        loss = (F.mse_loss if polish else F.l1_loss)(out, torch.from_numpy(y))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        running += loss.item()
        if step % 1000 == 0 or step == steps:
            val = evaluate(net, 'Set5', scale)
            best = max(best, val)
            log(log_path, step=step, steps=steps, loss=running / 1000, lr=lr, set5_psnr=val,
                hours=(time.time() - t0) / 3600)
            running = 0.0
        if time.time() - last_save > CHECKPOINT_SECONDS or step == steps:
            save()
            last_save = time.time()
    export(net, name, scale, hours=(time.time() - t0) / 3600, steps=steps, family=family, band=band, polish=polish)
    return net


PARITY_DIR = os.path.normpath(os.path.join(HERE, '..', 'Tests', 'VSRModelsTests', 'Fixtures'))


def write_parity_fixture(plain, tag, scale):
    """A small 8-bit input and PyTorch's float output; a Swift test runs the exported file on
    the same input and compares (<= 1e-4)."""
    rng = np.random.default_rng(1234)
    codes = rng.integers(16, 236, size=(13, 17)).astype(np.float32)
    codes[4:9, 5:12] = np.round(np.linspace(16, 235, 35)).reshape(5, 7)  # a smooth patch (integer codes)
    with torch.no_grad():
        out = plain(torch.from_numpy(codes / 255.0)[None, None])[0, 0].numpy()
    os.makedirs(PARITY_DIR, exist_ok=True)
    from vsr_train.export import write_safetensors
    write_safetensors(os.path.join(PARITY_DIR, f'parity-{tag}.safetensors'),
                      {'input_codes': codes, 'output': out}, {'model': f'{tag}.safetensors'})


def export(net, name, scale, hours, steps, final=True, family='paper', band=None, polish=False):
    tag = run_tag(family, name, scale, band)
    extra = None
    layers = net.folded_layers()
    plain = models.PlainNet(layers, scale)
    results = {}
    for ds in ('Set5', 'Set14'):
        p, s = evaluate(plain, ds, scale, full=True)
        results[ds] = {'psnr': round(p, 3), 'ssim': round(s, 4)}
    os.makedirs(WEIGHTS, exist_ok=True)
    if family == 'camera':
        # A polished model's note starts with its L1 stage: the base checkpoint's steps and time.
        base = torch.load(os.path.join(CKPT_DIR, f'{tag}.pt'), weights_only=False) if polish else None
        l1_steps, l1_hours = (base['step'], base['elapsed'] / 3600) if polish else (steps, hours)
        note = (f'fine-tuned from {name}-x{scale}: T91+BSDS200 (Y), clean MATLAB bicubic : '
                f'compressed sequences (x264/x265 CRF {degrade.CRF_RANGE[0]}-{degrade.CRF_RANGE[1]}, '
                f'MPEG-2, MJPEG; pans, noise, blur, 5 downscalers) = '
                f'{CAMERA_SHARES[0]}:{CAMERA_SHARES[1]}, {l1_steps} steps of batch {BATCH}, L1, Adam, '
                f'cosine {CAMERA_LR_MAX}->{LR_MIN}; {l1_hours:.2f} h on CPU')
        description = CAMERA_DESCRIPTION[name]
        if band:
            (lo, hi), shares, qp_ranges = QP_BANDS[band]
            qp_lo, qp_hi = qp_ranges[scale]
            note = (f'fine-tuned from camera-{name}-x{scale} on its compressed sequences of x264/x265 '
                    f'CRF {lo}-{hi}' + (f' (clean : compressed = {shares[0]}:{shares[1]})' if shares else '')
                    + f', {l1_steps} steps of batch {BATCH}, L1, Adam, cosine {BAND_LR_MAX}->{LR_MIN}; '
                    f'{l1_hours:.2f} h on CPU')
            description = f'camera-{name}-x{scale} for H.264 streams of mean QP {qp_lo:g} to {qp_hi:g}'
            extra = {'qp_band': {'min': qp_lo, 'max': qp_hi, 'of': f'camera-{name}'}}
        if polish:
            note += (f'; then {steps} steps with the MSE loss (L2 polish), cosine {POLISH_LR_MAX}->{LR_MIN}, '
                     f'{hours:.2f} h')
    else:
        note = (f'T91+BSDS200 (Y, MATLAB bicubic LR), {steps} steps of batch {BATCH}, '
                f'L1, Adam, cosine {LR_MAX}->{LR_MIN}, re-parameterised blocks'
                + (f', bf16 autocast for the first {BF16_SHARE[name]:.0%}' if name in BF16_SHARE else '')
                + f'; {hours:.2f} h on CPU')
        description = DESCRIPTION[name]
    path = os.path.join(WEIGHTS, f'{tag}.safetensors')
    model_file(path, tag, description, scale,
               [(w.numpy(), b.numpy(), None if s is None else s.numpy()) for w, b, s in layers],
               note, psnr=results, extra=extra)
    write_parity_fixture(plain, tag, scale)
    print(f'exported {path}: {results}', flush=True)
    if final:
        log(os.path.join(CKPT_DIR, f'{tag}{"-l2" if polish else ""}.log'), exported=path, results=results, hours=hours)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument('--model', choices=list(models.FAMILY))
    ap.add_argument('--scale', type=int, choices=(2, 3, 4))
    ap.add_argument('--steps', type=int, help="default: the model's step budget in the queue")
    ap.add_argument('--queue', action='store_true', help='train every bundled model in turn')
    ap.add_argument('--family', choices=('paper', 'camera'), default='paper',
                    help='paper: clean bicubic LR (vsr eval); camera: fine-tuned on compressed video')
    ap.add_argument('--band', choices=list(QP_BANDS),
                    help='a QP-band specialist of the camera model (implies --family camera)')
    ap.add_argument('--band-queue', action='store_true', help='train every QP-band specialist in turn')
    ap.add_argument('--polish-queue', action='store_true',
                    help='the last stage of the shipped camera models: MSE fine-tunes (POLISH_QUEUE)')
    ap.add_argument('--polish', action='store_true', help='the MSE fine-tune of one camera model (--model, --scale)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--export', action='store_true',
                    help='export the current checkpoint of --model/--scale now (even mid-training)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    queue = CAMERA_QUEUE if args.family == 'camera' else QUEUE
    if args.band or args.polish:
        args.family = 'camera'
    if args.polish_queue:
        for name, scale, band in POLISH_QUEUE:
            train(name, scale, POLISH_STEPS, family='camera', band=band, polish=True)
    elif args.band_queue:
        for name, scale, band in BAND_QUEUE:
            train(name, scale, BAND_STEPS, family='camera', band=band)
    elif args.queue:
        for name, scale, steps in queue:
            train(name, scale, steps, family=args.family)
    elif args.model and args.scale and args.export:
        tag = run_tag(args.family, args.model, args.scale, args.band)
        ck = torch.load(os.path.join(CKPT_DIR, f'{tag}.pt'), weights_only=False)
        net = models.build(args.model, args.scale)
        net.load_state_dict(ck['net'])
        export(net, args.model, args.scale, hours=ck['elapsed'] / 3600, steps=ck['step'], final=False,
               family=args.family, band=args.band)
    elif args.model and args.scale:
        steps = args.steps or (POLISH_STEPS if args.polish else BAND_STEPS if args.band else
                               next((n for m, sc, n in queue if (m, sc) == (args.model, args.scale)), 150_000))
        train(args.model, args.scale, steps, family=args.family, band=args.band, polish=args.polish)
    else:
        ap.error('give --model and --scale, or --queue')


if __name__ == '__main__':
    main()
