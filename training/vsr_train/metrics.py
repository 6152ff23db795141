"""PSNR and SSIM on the Y channel, as the evaluation convention in shared/datasets/README.md."""
import numpy as np


def _gaussian_window(size=11, sigma=1.5):
    ax = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-(ax * ax) / (2.0 * sigma * sigma))
    g /= g.sum()
    return g


def _filter_valid(img, g):
    """Separable 'valid' correlation with the 1-D window g (MATLAB filter2(..., 'valid'))."""
    n = len(g)
    h, w = img.shape
    rows = sum(g[k] * img[k:h - n + 1 + k, :] for k in range(n))
    return sum(g[k] * rows[:, k:w - n + 1 + k] for k in range(n))


def psnr(a, b, border: int):
    a = a[border:a.shape[0] - border, border:a.shape[1] - border]
    b = b[border:b.shape[0] - border, border:b.shape[1] - border]
    mse = np.mean((a - b) ** 2)
    return float('inf') if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)


def ssim(a, b, border: int):
    a = a[border:a.shape[0] - border, border:a.shape[1] - border].astype(np.float64)
    b = b[border:b.shape[0] - border, border:b.shape[1] - border].astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    g = _gaussian_window()
    mu_a, mu_b = _filter_valid(a, g), _filter_valid(b, g)
    saa = _filter_valid(a * a, g) - mu_a ** 2
    sbb = _filter_valid(b * b, g) - mu_b ** 2
    sab = _filter_valid(a * b, g) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * sab + c2)
    den = (mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2)
    return float(np.mean(num / den))
