#!/usr/bin/env python3
"""Records each model's quality on compressed video in its file, for `vsr models`.

  python3 training/video_quality.py weights/*.safetensors [--clip ../shared/videos/faces.mp4]

Runs `vsr eval-video CLIP --scale S --model FILE --crf 23,28,33 --frames 60 --json` (x264 medium,
bicubic downscale) and writes the model's mean Y-PSNR and gain over Lanczos per CRF into the
file's `__metadata__.vsr.video`. Only the header changes: the tensors (and so the parity
fixtures) stay as they are. faces.mp4 is an evaluation clip: it is never trained on.
"""
import argparse
import json
import os
import subprocess

from vsr_train.safetensors import read_header, write_header

HERE = os.path.dirname(os.path.abspath(__file__))
VSR = os.path.join(HERE, '..', '.build', 'release', 'vsr')
CRFS = (23, 28, 33)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('models', nargs='+')
    ap.add_argument('--clip', default=os.path.join(HERE, '..', '..', 'shared', 'videos', 'faces.mp4'))
    ap.add_argument('--frames', type=int, default=60)
    a = ap.parse_args()
    for path in a.models:
        header, body = read_header(path)
        vsr = json.loads(header['__metadata__']['vsr'])
        out = subprocess.run([VSR, 'eval-video', a.clip, '--scale', str(vsr['scale']), '--model', path,
                              '--crf', ','.join(map(str, CRFS)), '--frames', str(a.frames), '--no-ssim', '--precision', 'fp32', '--json'],
                             capture_output=True, text=True, check=True).stdout
        report = json.loads(out)
        crf = {}
        for level in report['levels']:
            m = level['methods'][0]
            crf[str(level['crf'])] = {'psnr': round(m['mean_psnr'], 3), 'gain_over_lanczos': round(m['gain_over_lanczos'], 3)}
        vsr['video'] = {'clip': os.path.basename(a.clip), 'codec': 'libx264 medium', 'downscale': 'bicubic',
                        'frames': report['frames'], 'crf': crf}
        header['__metadata__']['vsr'] = json.dumps(vsr)
        write_header(path, header, body)
        print(f'{os.path.basename(path)}: ' + ' '.join(f'CRF {k} {v["gain_over_lanczos"]:+.2f}' for k, v in crf.items()))


if __name__ == '__main__':
    main()
