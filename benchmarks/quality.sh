#!/usr/bin/env bash
# Set5/Set14 quality of every bundled model, by `vsr eval`, and quality on compressed video, by
# `vsr eval-video` on each clip of ../shared/videos (x264 medium, CRF 23/28/33, 60 frames): one
# JSON file per model and set or clip in OUT (benchmarks/quality.sh OUT). fp32: the int8 forms
# are measured against these by benchmarks/int8_quality.sh. Called by compare.sh
# (make bench) and by make bench-quality.
set -euo pipefail
cd "$(dirname "$0")/.."
VSR=.build/release/vsr
OUT=$1
DATASETS=../shared/datasets
if [ ! -d "$DATASETS/Set5" ] || [ ! -d "$DATASETS/Set14" ]; then
  echo "quality: $DATASETS/Set5 and Set14 not found; no quality figures measured" >&2
  exit 0
fi
mkdir -p "$OUT"
for f in weights/*.safetensors; do
  name=$(basename "$f" .safetensors); scale=${name##*-x}
  for set in Set5 Set14; do $VSR eval "$DATASETS/$set" --scale "$scale" --model "$f" --precision fp32 --json > "$OUT/eval-$name-$set.json"; done
done
VIDEOS=../shared/videos
[ -d "$VIDEOS" ] || { echo "quality: $VIDEOS not found; no compressed-video figures measured" >&2; exit 0; }
for f in weights/*.safetensors; do
  name=$(basename "$f" .safetensors); scale=${name##*-x}
  for clip in "$VIDEOS"/*.mp4 "$VIDEOS"/*.264; do
    [ -e "$clip" ] || continue
    $VSR eval-video "$clip" --scale "$scale" --model "$f" --crf 23,28,33 --frames 60 --no-ssim --precision fp32 --json \
      > "$OUT/video-$name-$(basename "$clip").json"
  done
done
