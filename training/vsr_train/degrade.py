"""Realistic LR frames for the camera family: HR images -> moving sequences -> downscale ->
noise -> a real video encoder (x264 / x265 / MPEG-2 / MJPEG) -> decoded luma.

What a camera or a file on disk hands vsr is not a clean bicubic downscale: it is a frame of a
compressed sequence, with blocking, ringing, smeared detail in P/B-frames and drift across a GOP.
This module makes such frames from the training images, following the ideas of VCISR (codec and
CRF sampling for SR training), Real-ESRGAN (random resize kernels, noise) and RealBasicVSR
(random video compression of whole sequences, not single images):

- motion: a static shot (CCTV is mostly static; the sensor noise still changes), or a slow pan
  in whole HR pixels, which is sub-pixel motion at LR size and never resamples the HR target;
- downscale: MATLAB bicubic, PIL area / bilinear / bicubic / lanczos, sometimes after a small blur;
- noise: Gaussian luma noise, new every frame, on some sequences;
- compression: libx264 or libx265 at CRF 18-38 with a random preset, GOP and sometimes
  tune=zerolatency (the live case); now and then MPEG-2 or MJPEG at a random quality.

Everything is drawn from a seeded generator, so a cache file is reproducible. Frames are kept as
uint8 luma (BT.601 limited range, as decoders output it and as vsr's models see it).
"""
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image, ImageFilter

from .imresize import imresize, quantize8

FRAMES = 8               # frames per encoded sequence
KEEP = 4                 # frames kept per sequence (spread over the GOP: I, P and B frames)
CRF_RANGE = (18, 38)
PRESETS = ('ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium')
DOWNSCALERS = ('matlab', 'area', 'bilinear', 'bicubic', 'lanczos')


def rgb_to_ycbcr(rgb01):
    """BT.601 limited range, as vsr's evaluation converts (Y in [16, 235])."""
    r, g, b = rgb01[..., 0], rgb01[..., 1], rgb01[..., 2]
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    cb = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    cr = 128 + 112.0 * r - 93.786 * g - 18.214 * b
    return y, cb, cr


def _downscale(hr01, scale, kind, blur):
    """hr01: float64 [H, W, 3] in [0, 1] -> 8-bit-quantised LR float64 in [0, 1]."""
    if blur > 0:
        img = Image.fromarray(np.round(hr01 * 255).astype(np.uint8))
        hr01 = np.asarray(img.filter(ImageFilter.GaussianBlur(blur)), np.float64) / 255.0
    h, w = hr01.shape[0] // scale, hr01.shape[1] // scale
    if kind == 'matlab':
        return quantize8(imresize(hr01, 1.0 / scale))
    resample = {'area': Image.BOX, 'bilinear': Image.BILINEAR, 'bicubic': Image.BICUBIC,
                'lanczos': Image.LANCZOS}[kind]
    img = Image.fromarray(np.round(hr01 * 255).astype(np.uint8))
    return np.asarray(img.resize((w, h), resample), np.float64) / 255.0


def _yuv420(lr01, noise_sigma, rng):
    y, cb, cr = rgb_to_ycbcr(lr01)
    if noise_sigma > 0:
        y = y + rng.normal(0, noise_sigma, y.shape)
    h, w = y.shape
    sub = lambda c: c.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))  # noqa: E731
    planes = [np.clip(np.round(p), 0, 255).astype(np.uint8) for p in (y, sub(cb), sub(cr))]
    return b''.join(p.tobytes() for p in planes)


def _codec_args(rng):
    """(ffmpeg encoder arguments, a short description) for one random compression setting."""
    kind = rng.choice(['x264', 'x265', 'mpeg2', 'mjpeg'], p=[0.7, 0.25, 0.025, 0.025])
    if kind in ('x264', 'x265'):
        crf = int(rng.integers(CRF_RANGE[0], CRF_RANGE[1] + 1))
        preset = str(rng.choice(PRESETS))
        gop = int(rng.choice([4, 8, 250]))
        args = ['-c:v', f'lib{kind}', '-crf', str(crf), '-preset', preset, '-g', str(gop)]
        if rng.random() < 0.3:
            args += ['-tune', 'zerolatency']
        if kind == 'x265':
            args += ['-x265-params', 'log-level=none']
        return args, f'{kind} crf {crf} {preset} g{gop}'
    q = int(rng.integers(2, 16))
    codec = 'mpeg2video' if kind == 'mpeg2' else 'mjpeg'
    extra = ['-pix_fmt', 'yuvj420p'] if kind == 'mjpeg' else []
    return ['-c:v', codec, '-q:v', str(q)] + extra, f'{kind} q {q}'


def compress(yuv_frames, width, height, args, encoder_log=None):
    """Encodes raw yuv420p frames with ffmpeg and decodes them back: a list of uint8 luma planes.
    `encoder_log`, if given, receives the encoder's log text (x264 prints its mean QPs there)."""
    with tempfile.TemporaryDirectory(dir='/dev/shm' if os.path.isdir('/dev/shm') else None) as tmp:
        path = os.path.join(tmp, 'seq.mkv')
        r = subprocess.run(['ffmpeg', '-v', 'info' if encoder_log else 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p',
                            '-s', f'{width}x{height}', '-r', '25', '-i', '-', *args, '-y', path],
                           input=b''.join(yuv_frames), check=True, stderr=subprocess.PIPE if encoder_log else None)
        if encoder_log:
            encoder_log(r.stderr.decode(errors='replace'))
        # Decoded as yuv420p and the Y plane taken as it is: '-pix_fmt gray' would stretch
        # limited-range luma to 0-255. (MJPEG's full-range yuvj420p is converted back to limited.)
        out = subprocess.run(['ffmpeg', '-v', 'error', '-i', path, '-f', 'rawvideo',
                              '-pix_fmt', 'yuv420p', '-'], capture_output=True, check=True).stdout
    luma, frame = width * height, width * height * 3 // 2
    return [np.frombuffer(out, np.uint8, luma, i * frame).reshape(height, width)
            for i in range(len(out) // frame)]


def degraded_sequence(hr_rgb01, scale, rng):
    """One random camera-like sequence from an HR image.

    Returns (lr_y frames, hr_y frames, description), uint8 luma, KEEP frames."""
    h, w = hr_rgb01.shape[:2]
    static = rng.random() < 0.4
    speed = 0.0 if static else rng.uniform(0.5, 3.0)   # HR pixels per frame
    angle = rng.uniform(0, 2 * np.pi)
    travel = int(np.ceil(speed * (FRAMES - 1)))
    step = 2 * scale                                   # LR size even for 4:2:0
    ch, cw = (h - travel) // step * step, (w - travel) // step * step
    if ch < 8 * step or cw < 8 * step:
        return None
    x0 = travel if np.cos(angle) < 0 else 0
    y0 = travel if np.sin(angle) < 0 else 0
    kind = str(rng.choice(DOWNSCALERS))
    # Encoders remove most sensor noise and cameras sharpen: blur and noise stay the exception
    # (a first run with 25 % / 35 % gained 0.2 dB less on compressed clips).
    blur = rng.uniform(0.3, 1.0) if rng.random() < 0.1 else 0.0
    noise = rng.uniform(0.5, 2.5) if rng.random() < 0.1 else 0.0
    hr_frames, yuv = [], []
    for t in range(FRAMES):
        dx = int(round(x0 + speed * t * np.cos(angle)))
        dy = int(round(y0 + speed * t * np.sin(angle)))
        crop = hr_rgb01[dy:dy + ch, dx:dx + cw]
        hr_frames.append(np.clip(np.round(rgb_to_ycbcr(crop)[0]), 0, 255).astype(np.uint8))
        yuv.append(_yuv420(_downscale(crop, scale, kind, blur), noise, rng))
    args, codec = _codec_args(rng)
    # x265 crashed (SIGSEGV) on a 42x28 sequence: below 64 LR pixels a side, x264 encodes instead.
    if min(cw, ch) // scale < 64 and '-x265-params' in args:
        args, codec = ['-c:v', 'libx264'] + args[2:args.index('-x265-params')], codec.replace('x265', 'x264')
    try:
        lr_frames = compress(yuv, cw // scale, ch // scale, args)
    except subprocess.CalledProcessError:
        return None  # an encoder that fails on one tiny sequence costs one sequence, not the cache

    if len(lr_frames) != FRAMES:
        raise RuntimeError(f'{codec}: decoded {len(lr_frames)} of {FRAMES} frames')
    keep = sorted(rng.choice(FRAMES, size=KEEP, replace=False))
    desc = f'{"static" if static else f"pan {speed:.1f}px"} {kind}{" blur" if blur else ""}' \
           f'{" noise" if noise else ""} {codec}'
    return [lr_frames[i] for i in keep], [hr_frames[i] for i in keep], desc
