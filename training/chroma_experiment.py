#!/usr/bin/env python3
"""Is upscaling chroma with the network worth it? (camera-models issue, 'Also: chroma')

  python3 training/chroma_experiment.py CLIP [--model weights/camera-balanced-x2.safetensors] [--crf 28] [--frames 30]

The HR clip's first frames are downscaled x2 (swscale bicubic), encoded with libx264 (medium),
decoded; the LR chroma planes are upscaled x2 by bicubic (what vsr does now), by Lanczos, and by
the luma network applied to each chroma plane, and compared with the HR chroma (PSNR on U and V,
2-pixel border). The cost side: the network on both chroma planes of 4:2:0 adds half of the luma
network's multiply-adds.
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
from vsr_train.models import BicubicResidual  # noqa: E402
from vsr_train.reference import ConvChain, read_model  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def frames(path, w, h, n, extra=()):
    raw = subprocess.run(['ffmpeg', '-v', 'error', '-i', path, *extra, '-frames:v', str(n), '-f', 'rawvideo',
                          '-pix_fmt', 'yuv420p', '-'], capture_output=True, check=True).stdout
    size = w * h * 3 // 2
    out = []
    for i in range(len(raw) // size):
        f = np.frombuffer(raw, np.uint8, size, i * size)
        out.append((f[:w * h].reshape(h, w), f[w * h:w * h * 5 // 4].reshape(h // 2, w // 2),
                    f[w * h * 5 // 4:].reshape(h // 2, w // 2)))
    return out


def psnr(a, b, border=2):
    d = a[border:-border, border:-border].astype(np.float64) - b[border:-border, border:-border]
    return 10 * np.log10(255 ** 2 / np.mean(d * d))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('clip')
    ap.add_argument('--model', default=os.path.join(HERE, '..', 'weights', 'camera-balanced-x2.safetensors'))
    ap.add_argument('--crf', type=int, default=28)
    ap.add_argument('--frames', type=int, default=30)
    a = ap.parse_args()
    probe = subprocess.run(['ffprobe', '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height',
                            '-of', 'csv=p=0', a.clip], capture_output=True, text=True, check=True).stdout
    w, h = (int(v) for v in probe.strip().split(','))
    w, h = w - w % 4, h - h % 4
    name, scale, residual, layers = read_model(a.model)
    net = ConvChain(layers, scale, residual).eval()
    with tempfile.TemporaryDirectory() as tmp:
        lr_path = os.path.join(tmp, 'lr.mkv')
        subprocess.run(['ffmpeg', '-v', 'error', '-i', a.clip, '-frames:v', str(a.frames), '-vf',
                        f'crop={w}:{h}:0:0,scale={w // 2}:{h // 2}:flags=bicubic', '-c:v', 'libx264', '-preset', 'medium',
                        '-crf', str(a.crf), '-threads', '1', '-y', lr_path], check=True)
        hr = frames(a.clip, w, h, a.frames, ['-vf', f'crop={w}:{h}:0:0'])
        lr = frames(lr_path, w // 2, h // 2, a.frames)
        lanczos = frames(lr_path, w, h, a.frames, ['-vf', f'scale={w}:{h}:flags=lanczos+accurate_rnd'])
    bicubic = BicubicResidual(2)
    scores = {'bicubic': [], 'lanczos': [], name: []}
    with torch.no_grad():
        for (hy, hu, hv), (ly, lu, lv), (zy, zu, zv) in zip(hr, lr, lanczos):
            for target, low, lz in ((hu, lu, zu), (hv, lv, zv)):
                x = torch.from_numpy(low.astype(np.float32) / 255)[None, None]
                up_b = F.pixel_shuffle(bicubic(x), 2)[0, 0].numpy() * 255
                up_n = net(x)[0, 0].numpy() * 255
                scores['bicubic'].append(psnr(target, np.clip(np.round(up_b), 0, 255)))
                scores['lanczos'].append(psnr(target, lz))
                scores[name].append(psnr(target, np.clip(np.round(up_n), 0, 255)))
    print(f'{a.clip}: {len(hr)} frames, chroma {w // 2}x{h // 2}, x264 CRF {a.crf}; mean chroma (U, V) PSNR:')
    for k, v in scores.items():
        print(f'  {k:22s} {np.mean(v):7.3f} dB  ({np.mean(v) - np.mean(scores["bicubic"]):+.3f} vs bicubic)')


if __name__ == '__main__':
    main()
