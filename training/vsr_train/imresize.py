"""MATLAB-compatible `imresize(..., 'bicubic')`, the resampler the published SR tables use.

Keys cubic (a = -0.5), antialiased on downscale (kernel scale*W(scale*x), width 4/scale),
symmetric border padding, separable, float64 on [0, 1]. The Swift twin lives in
Sources/VSRQuality/MatlabResize.swift; tests keep the two in agreement.
"""
import numpy as np


def _cubic(x):
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    return ((1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1.0)
            + (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1.0) & (ax <= 2.0)))


def contributions(in_len: int, out_len: int, scale: float):
    """(indices, weights): each output sample is sum(weights[i] * input[indices[i]])."""
    width = 4.0
    kernel = _cubic
    if scale < 1.0:
        width = 4.0 / scale
        kernel = lambda x: scale * _cubic(scale * x)  # noqa: E731 (antialiasing)
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    taps = int(np.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps, dtype=np.float64)[None, :]
    w = kernel(u[:, None] - idx)
    w = w / w.sum(axis=1, keepdims=True)
    keep = np.any(w != 0, axis=0)
    idx, w = idx[:, keep], w[:, keep]
    # Symmetric padding: index -1 mirrors to 0, in_len mirrors to in_len-1 (1-based MATLAB aux).
    mirror = np.concatenate([np.arange(in_len), np.arange(in_len - 1, -1, -1)])
    idx = mirror[np.mod(idx.astype(np.int64) - 1, 2 * in_len)]
    return idx, w


def _resize_axis(a, axis: int, out_len: int, scale: float):
    idx, w = contributions(a.shape[axis], out_len, scale)
    a = np.moveaxis(a, axis, 0)
    out = np.einsum('ok,ok...->o...', w, a[idx])
    return np.moveaxis(out, 0, axis)


def imresize(img, scale: float):
    """Resize an HxW or HxWxC float64 image by `scale` (output size ceil(H*scale))."""
    img = np.asarray(img, dtype=np.float64)
    out_h = int(np.ceil(img.shape[0] * scale))
    out_w = int(np.ceil(img.shape[1] * scale))
    # MATLAB resizes the dimension with the smaller scale first; equal scales: rows first.
    img = _resize_axis(img, 0, out_h, scale)
    return _resize_axis(img, 1, out_w, scale)


def rgb_to_y(rgb01):
    """BT.601 luma in [16, 235] from RGB in [0, 1] (MATLAB rgb2ycbcr)."""
    rgb01 = np.asarray(rgb01, dtype=np.float64)
    if rgb01.ndim == 2:
        rgb01 = np.stack([rgb01] * 3, axis=-1)
    return 16.0 + 65.481 * rgb01[..., 0] + 128.553 * rgb01[..., 1] + 24.966 * rgb01[..., 2]


def quantize8(img01):
    """Clamp to [0, 1] and round to 8-bit steps, as MATLAB's im2uint8 does."""
    return np.round(np.clip(img01, 0.0, 1.0) * 255.0) / 255.0


def mod_crop(img, scale: int):
    h, w = img.shape[0] - img.shape[0] % scale, img.shape[1] - img.shape[1] % scale
    return img[:h, :w]
