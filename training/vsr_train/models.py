"""The model family vsr's engine runs: k x k conv chain -> pixel shuffle (+ bicubic residual).

Training uses re-parameterisable blocks (3x3 + 1x1 + 1x1-expand->3x3 + identity branches); `fold()`
turns each into the single 3x3 convolution the engine executes, so the extra capacity costs
nothing at inference.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

# name -> scale -> (channels, body blocks). MAC/px counts are checked by macs_per_pixel().
FAMILY = {
    'fast':     {2: (8, 3), 3: (8, 3), 4: (8, 2)},
    'balanced': {2: (16, 4), 3: (16, 4), 4: (16, 4)},
    'quality':  {2: (32, 6), 3: (32, 6), 4: (32, 5)},
}
MAC_BUDGET = {'fast': 2500, 'balanced': 12000, 'quality': 60000}
EXPAND = 0  # width multiplier of the 1x1-expand->3x3 branch (0: branch off)


def cubic(x: float) -> float:
    ax = abs(x)
    if ax <= 1:
        return 1.5 * ax ** 3 - 2.5 * ax ** 2 + 1
    if ax <= 2:
        return -0.5 * ax ** 3 + 2.5 * ax ** 2 - 4 * ax + 2
    return 0.0


def bicubic_phase_taps(r: int):
    """taps[i][k]: weight of LR offset k-2 for output phase i (Keys a=-0.5, pixel centres)."""
    taps = []
    for i in range(r):
        u = (i + 0.5) / r - 0.5
        taps.append([cubic(u - (k - 2)) for k in range(5)])
    return taps


class BicubicResidual(nn.Module):
    """x -> r*r channels whose pixel shuffle is the bicubic upscale (replicate borders)."""

    def __init__(self, r: int):
        super().__init__()
        t = torch.tensor(bicubic_phase_taps(r), dtype=torch.float32)   # [r, 5]
        k = torch.einsum('iy,jx->ijyx', t, t).reshape(r * r, 1, 5, 5)
        self.register_buffer('kernel', k)

    def forward(self, x):
        return F.conv2d(F.pad(x, (2, 2, 2, 2), mode='replicate'), self.kernel)


class RepConv3x3(nn.Module):
    """Training-time multi-branch 3x3 conv; fold() gives the equivalent single conv."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.cin, self.cout = cin, cout
        self.k3 = nn.Conv2d(cin, cout, 3, padding=1)
        self.k1 = nn.Conv2d(cin, cout, 1)
        self.expand = EXPAND > 0
        if self.expand:
            self.e1 = nn.Conv2d(cin, cin * EXPAND, 1)        # expand (1x1) ...
            self.e3 = nn.Conv2d(cin * EXPAND, cout, 3, padding=1)  # ... then 3x3
        self.identity = cin == cout

    def forward(self, x):
        y = self.k3(x) + self.k1(x)
        if self.expand:
            # As if the 1x1 output were padded with its bias: exactly foldable.
            t = F.conv2d(x, self.e1.weight)
            bias = self.e3.bias + torch.einsum('oeyx,e->o', self.e3.weight, self.e1.bias)
            y = y + F.conv2d(t, self.e3.weight, padding=1) + bias[None, :, None, None]
        return y + x if self.identity else y

    @torch.no_grad()
    def fold(self):
        w = self.k3.weight.clone()
        b = self.k3.bias.clone()
        w[:, :, 1, 1] += self.k1.weight[:, :, 0, 0]
        b += self.k1.bias
        if self.expand:
            w += torch.einsum('oeyx,ec->ocyx', self.e3.weight, self.e1.weight[:, :, 0, 0])
            b += self.e3.bias + torch.einsum('oeyx,e->o', self.e3.weight, self.e1.bias)
        if self.identity:
            w[:, :, 1, 1] += torch.eye(self.cin)
        return w, b


class SRNet(nn.Module):
    def __init__(self, channels: int, blocks: int, scale: int):
        super().__init__()
        self.scale, self.channels, self.blocks = scale, channels, blocks
        widths = [1] + [channels] * (blocks + 1) + [scale * scale]
        self.convs = nn.ModuleList(RepConv3x3(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.acts = nn.ModuleList(nn.PReLU(channels, init=0.1) for _ in range(blocks + 1))
        self.residual = BicubicResidual(scale)

    def body(self, x):
        """The learned part: scale*scale channels to add to the bicubic residual."""
        y = x
        for i, conv in enumerate(self.convs):
            y = conv(y)
            if i < len(self.acts):
                y = self.acts[i](y)
        return y

    def forward(self, x):
        return F.pixel_shuffle(self.body(x) + self.residual(x), self.scale)

    def folded_layers(self):
        """[(weight [out,in,3,3], bias [out], prelu slope [out] or None)] for export."""
        out = []
        for i, conv in enumerate(self.convs):
            w, b = conv.fold()
            slope = self.acts[i].weight.detach().clone() if i < len(self.acts) else None
            out.append((w, b, slope))
        return out


class PlainNet(nn.Module):
    """The folded network, run with plain convs: what the engine executes (parity checks)."""

    def __init__(self, layers, scale: int):
        super().__init__()
        self.layers, self.scale = layers, scale
        self.residual = BicubicResidual(scale)

    def forward(self, x):
        y = x
        for w, b, slope in self.layers:
            y = F.conv2d(y, w, b, padding=w.shape[-1] // 2)
            if slope is not None:
                y = F.prelu(y, slope)
        return F.pixel_shuffle(y + self.residual(x), self.scale)


def build(name: str, scale: int) -> SRNet:
    channels, blocks = FAMILY[name][scale]
    return SRNet(channels, blocks, scale)


def macs_per_pixel(name: str, scale: int) -> int:
    """Multiply-adds per low-resolution pixel of the folded (inference) network."""
    channels, blocks = FAMILY[name][scale]
    widths = [1] + [channels] * (blocks + 1) + [scale * scale]
    return sum(9 * a * b for a, b in zip(widths[:-1], widths[1:]))


def parameter_count(name: str, scale: int) -> int:
    channels, blocks = FAMILY[name][scale]
    widths = [1] + [channels] * (blocks + 1) + [scale * scale]
    convs = sum(9 * a * b + b for a, b in zip(widths[:-1], widths[1:]))
    return convs + channels * (blocks + 1)


for _n, _scales in FAMILY.items():
    for _s in _scales:
        assert macs_per_pixel(_n, _s) <= MAC_BUDGET[_n], (_n, _s, macs_per_pixel(_n, _s))
assert math.isclose(sum(bicubic_phase_taps(3)[1]), 1.0)
