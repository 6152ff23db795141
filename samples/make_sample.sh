#!/usr/bin/env bash
# Regenerates samples/sample.mp4: a synthetic 320x180 clip (4 s, 25 fps) with a tone, made from
# FFmpeg's lavfi sources so it carries no third-party footage. Kept under 1 MB.
set -euo pipefail
cd "$(dirname "$0")"
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "mandelbrot=size=320x180:rate=25:start_scale=1.5:end_scale=0.1,format=yuv420p" \
  -f lavfi -i "testsrc2=size=320x180:rate=25" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000" \
  -filter_complex "[0:v][1:v]blend=all_mode=overlay:all_opacity=0.35,format=yuv420p[v]" \
  -map "[v]" -map 2:a -t 4 -c:v libx264 -preset slow -crf 23 -c:a aac -b:a 64k \
  -metadata title="vsr sample (synthetic)" sample.mp4
ls -l sample.mp4
