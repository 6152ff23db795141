"""Image loading and LR/HR pair preparation following the evaluation convention."""
import os
import numpy as np
from PIL import Image

from .imresize import imresize, mod_crop, quantize8, rgb_to_y

IMAGE_EXTS = ('.bmp', '.png', '.jpg', '.jpeg')


def list_images(folder):
    return sorted(os.path.join(folder, f) for f in os.listdir(folder)
                  if f.lower().endswith(IMAGE_EXTS))


def load_rgb01(path):
    img = Image.open(path)
    img = img.convert('L') if img.mode == 'L' else img.convert('RGB')
    return np.asarray(img, dtype=np.float64) / 255.0


def make_pair(path, scale: int):
    """(hr_y, lr_rgb01, hr_rgb01): HR luma in [16,235] and the 8-bit MATLAB-bicubic LR image."""
    hr = mod_crop(load_rgb01(path), scale)
    lr = quantize8(imresize(hr, 1.0 / scale))
    return rgb_to_y(hr), lr, hr


def training_planes(folders, scale: int, cache_dir: str):
    """Per image (lr_y, hr_y) float32 in [0,1] (luma/255); cached since imresize is slow."""
    os.makedirs(cache_dir, exist_ok=True)
    cache = os.path.join(cache_dir, f'train_x{scale}.npz')
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=True)
        return list(z['lr']), list(z['hr'])
    lrs, hrs = [], []
    for folder in folders:
        for path in list_images(folder):
            hr_y, lr, _ = make_pair(path, scale)
            lrs.append((rgb_to_y(lr) / 255.0).astype(np.float32))
            hrs.append((hr_y / 255.0).astype(np.float32))
    np.savez(cache, lr=np.array(lrs, dtype=object), hr=np.array(hrs, dtype=object))
    return lrs, hrs


def load_rgb3(path):
    """load_rgb01 with grey images repeated to three channels (the degradation works in RGB)."""
    hr = load_rgb01(path)
    return np.repeat(hr[..., None], 3, axis=2) if hr.ndim == 2 else hr


def _degrade_one(job):
    from .degrade import degraded_sequence
    path, scale, seed = job
    return degraded_sequence(load_rgb3(path), scale, np.random.default_rng(seed))


def degraded_planes(folders, scale: int, cache_dir: str, variants: int, seed: int = 7, workers: int = 2,
                    degrade_one=_degrade_one):
    """Camera-like (lr_y, hr_y) uint8 frames: `variants` random compressed sequences per image
    (vsr_train.degrade), cached since encoding them takes minutes. `degrade_one` makes one sequence
    from a (path, scale, seed) job (a top-level function: the worker processes receive it pickled)."""
    os.makedirs(cache_dir, exist_ok=True)
    cache = os.path.join(cache_dir, f'degraded_x{scale}_v{variants}_s{seed}.npz')
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=True)
        return list(z['lr']), list(z['hr'])
    paths = [p for folder in folders for p in list_images(folder)]
    jobs = [(p, scale, seed * 1_000_003 + v * 10_007 + i)
            for v in range(variants) for i, p in enumerate(paths)]
    from multiprocessing import Pool
    with Pool(workers) as pool:
        results = pool.map(degrade_one, jobs, chunksize=8)
    lrs, hrs, descs = [], [], []
    for r in results:
        if r is not None:
            lrs += r[0]
            hrs += r[1]
            descs.append(r[2])
    np.savez(cache, lr=np.array(lrs, dtype=object), hr=np.array(hrs, dtype=object))
    with open(cache[:-4] + '.txt', 'w') as f:
        f.write('\n'.join(descs) + '\n')
    return lrs, hrs


def crf_band(lrs, hrs, scale: int, cache_dir: str, variants: int, seed: int, lo: int, hi: int):
    """The frames of degraded_planes' cache (same scale, folder, variants, seed) that x264 or x265
    encoded at CRF lo..hi: the training set of a QP-band specialist. The cache's .txt lists one
    description per kept sequence, in order; each sequence contributes KEEP frames."""
    import re
    from .degrade import KEEP
    cache = os.path.join(cache_dir, f'degraded_x{scale}_v{variants}_s{seed}.txt')
    with open(cache) as f:
        descs = [ln for ln in f.read().split('\n') if ln]
    if len(descs) * KEEP != len(lrs):
        raise RuntimeError(f'{cache}: {len(descs)} sequences for {len(lrs)} frames')
    keep = [i * KEEP + k for i, d in enumerate(descs)
            if (m := re.search(r'x26[45] crf (\d+)', d)) and lo <= int(m.group(1)) <= hi
            for k in range(KEEP)]
    return [lrs[i] for i in keep], [hrs[i] for i in keep]


class PatchSampler:
    """Random aligned LR/HR patches with flips and 90-degree rotations (uint8 planes are
    scaled to [0, 1])."""

    def __init__(self, lrs, hrs, scale: int, patch: int, seed: int):
        keep = [i for i, lr in enumerate(lrs) if min(lr.shape) >= patch]  # a few T91 are tiny
        self.lrs, self.hrs = [lrs[i] for i in keep], [hrs[i] for i in keep]
        self.scale, self.patch = scale, patch
        self.rng = np.random.default_rng(seed)
        sizes = np.array([lr.shape[0] * lr.shape[1] for lr in self.lrs], dtype=np.float64)
        self.p = sizes / sizes.sum()  # sample images by area so every pixel is equally likely

    def batch(self, n: int):
        p, s = self.patch, self.scale
        xs = np.empty((n, 1, p, p), np.float32)
        ys = np.empty((n, 1, p * s, p * s), np.float32)
        for i, k in enumerate(self.rng.choice(len(self.lrs), size=n, p=self.p)):
            lr, hr = self.lrs[k], self.hrs[k]
            y0 = self.rng.integers(0, lr.shape[0] - p + 1)
            x0 = self.rng.integers(0, lr.shape[1] - p + 1)
            a = lr[y0:y0 + p, x0:x0 + p]
            b = hr[y0 * s:(y0 + p) * s, x0 * s:(x0 + p) * s]
            rot, flip = self.rng.integers(0, 4), self.rng.integers(0, 2)
            a, b = np.rot90(a, rot), np.rot90(b, rot)
            if flip:
                a, b = a[:, ::-1], b[:, ::-1]
            xs[i, 0], ys[i, 0] = a, b
        if self.lrs[0].dtype == np.uint8:
            xs *= 1 / 255.0
            ys *= 1 / 255.0
        return xs, ys


class MixedSampler:
    """Batches drawn from several samplers with fixed shares (e.g. 1/4 clean, 3/4 compressed)."""

    def __init__(self, samplers, shares, seed: int):
        self.samplers, self.shares = samplers, np.asarray(shares, np.float64) / sum(shares)
        self.rng = np.random.default_rng(seed)

    def batch(self, n: int):
        counts = self.rng.multinomial(n, self.shares)
        parts = [s.batch(k) for s, k in zip(self.samplers, counts) if k > 0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
