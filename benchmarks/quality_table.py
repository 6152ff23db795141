#!/usr/bin/env python3
"""The quality section of BENCHMARKS.md, from the `vsr eval --json` files in a measurement folder.

  benchmarks/quality_table.py OUT BENCHMARKS.md   # replace that file's quality section in place

render.py uses quality_lines() for the whole report; `make bench-quality` uses the command above,
since quality figures, unlike timings, do not need a quiet machine.
"""
import glob
import json
import os
import re
import sys

from vsr_train.safetensors import read_header, vsr_metadata  # pip install -e training

HEADING = '## Quality: Y-PSNR / SSIM by `vsr eval` (the published convention)'
WEIGHTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'weights')


def model_card(name):
    """Parameters, MAC/px and training time from a bundled model file's metadata."""
    path = os.path.join(WEIGHTS, f'{name}.safetensors')
    if not os.path.exists(path):
        return '—', '—', '—'
    meta = vsr_metadata(read_header(path)[0])
    macs = sum(l['kernel'] ** 2 * l['in'] * l['out'] for l in meta['layers'])
    params = macs + sum(l['out'] * (2 if l['activation'] == 'prelu' else 1) for l in meta['layers'])
    hours = re.search(r'([\d.]+) h on CPU', meta.get('training', ''))
    return f'{params:,}', f'{macs:,}', f'{hours.group(1)} h' if hours else '—'


def quality_lines(out):
    evals = {}
    for f in glob.glob(os.path.join(out, 'eval-*.json')):
        r = json.load(open(f))
        evals[(r['model']['name'], r['dataset'])] = r
    if not evals:
        return []
    lines = [HEADING, '',
             '| model | scale | params | MAC/px | Set5 | Set14 | bicubic Set5 | bicubic Set14 | training (CPU) |',
             '|---|---:|---:|---:|---|---|---|---|---:|']
    family = {'fast': 0, 'balanced': 1, 'quality': 2}
    scales = {name: r['scale'] for (name, _), r in evals.items()}
    for name in sorted(scales, key=lambda n: (family.get(n.split('-')[0], 3), scales[n], n)):
        s5, s14 = evals.get((name, 'Set5')), evals.get((name, 'Set14'))
        q = lambda r, k: f'{r[k]["mean_psnr"]:.2f} / {r[k]["mean_ssim"]:.4f}' if r else '—'  # noqa: E731
        params, macs, hours = model_card(name)
        lines.append(f'| {name} | x{(s5 or s14)["scale"]} | {params} | {macs} | {q(s5, "model")} | {q(s14, "model")} | '
                     f'{q(s5, "bicubic")} | {q(s14, "bicubic")} | {hours} |')
    lines += ['', 'Published references (Set5 / Set14): FSRCNN x2 37.00 / 32.63, x3 33.16 / 29.43, x4 30.71 / 27.59; '
              'VDSR x2 37.53 / 33.03, x3 33.66 / 29.77, x4 31.35 / 28.01. This copy of Set14 reads 0.08-0.09 dB above '
              'the published bicubic row. Training time on this 2-core machine, measured as training/README.md says.', '']
    return lines + video_lines(out)


def video_lines(out):
    """The compressed-video table: per clip and model, Y-PSNR gain over Lanczos at each CRF."""
    runs = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(out, 'video-*.json')))]
    if not runs:
        return []
    lines = ['### On compressed video: `vsr eval-video` (gain over Lanczos, dB)', '',
             'Each clip of ../shared/videos is the ground truth: cropped to a multiple of 2 x scale, downscaled '
             '(swscale bicubic), encoded with libx264 medium at the CRF, decoded, upscaled; mean Y-PSNR over the '
             'first 60 frames (border = scale) minus the Lanczos baseline on the same LR frames. The camera family '
             'is trained on compressed sequences (training/vsr_train/degrade.py); these clips are never trained on.', '',
             '| clip | scale | model | CRF 23 | CRF 28 | CRF 33 | Lanczos Y-PSNR at 23 / 28 / 33 |',
             '|---|---:|---|---:|---:|---:|---|']
    family = {'fast': 0, 'balanced': 1, 'quality': 2}
    def key(r):
        name = r['levels'][0]['methods'][0]['name']
        kind = name.rsplit('-x', 1)[0]
        return (os.path.basename(r['clip']), r['scale'], family.get(kind.split('-')[-1], 3), kind.startswith('camera'))
    for r in sorted(runs, key=key):
        m = r['levels'][0]['methods'][0]['name']
        gains = {l['crf']: l['methods'][0]['gain_over_lanczos'] for l in r['levels']}
        lanczos = ' / '.join(f"{next(x['mean_psnr'] for x in l['methods'] if x['name'] == 'lanczos'):.2f}" for l in r['levels'])
        bold = lambda g: f'**{g:+.2f}**' if m.startswith('camera') else f'{g:+.2f}'  # noqa: E731
        lines.append(f"| {os.path.basename(r['clip'])} | x{r['scale']} | {m} | {bold(gains[23])} | {bold(gains[28])} | "
                     f"{bold(gains[33])} | {lanczos} |")
    return lines + ['']


def main():
    out, report = sys.argv[1], sys.argv[2]
    lines = quality_lines(out)
    if not lines:
        sys.exit(f'no eval-*.json in {out}')
    text = open(report).read()
    head, _, tail = text.partition(HEADING)
    # The quality section is the report's last; anything after it would be lost, so refuse.
    if re.search(r'^## ', tail, re.M):
        sys.exit(f'{report}: a section follows the quality section; regenerate it with make bench')
    with open(report, 'w') as f:
        f.write(head.rstrip('\n') + '\n\n' + '\n'.join(lines) + '\n')
    print(f'updated the quality section of {report}')


if __name__ == '__main__':
    main()
