#!/usr/bin/env bash
# What int8 costs in quality, per bundled model (issue #12's bound: 0.05 dB): `vsr eval` on
# Set5/Set14 with 8-bit LR luma (the int8 engine's input) in fp32 and in int8, and `vsr eval-video`
# on faces.mp4 (x264 medium, CRF 23/28/33, 30 frames) in both. Prints a Markdown table.
#   benchmarks/int8_quality.sh [MODEL.safetensors ...]     (default: weights/*.safetensors)
set -euo pipefail
cd "$(dirname "$0")/.."
VSR=.build/release/vsr
DATASETS=../shared/datasets
CLIP=../shared/videos/faces.mp4
models=("$@"); [ ${#models[@]} -gt 0 ] || models=(weights/*.safetensors)
mean() { python3 -c "import json,sys; print('%.3f' % json.load(sys.stdin)['model']['mean_psnr'])"; }
video() { python3 -c "import json,sys; r=json.load(sys.stdin); print(' '.join('%.3f' % l['methods'][0]['mean_psnr'] for l in r['levels']))"; }
echo "| model | Set5 fp32 | Set5 int8 | Δ | Set14 fp32 | Set14 int8 | Δ | faces CRF 23/28/33 Δ |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for f in "${models[@]}"; do
  name=$(basename "$f" .safetensors); scale=${name##*-x}
  row="| $name"
  for set in Set5 Set14; do
    a=$($VSR eval "$DATASETS/$set" --scale "$scale" --model "$f" --precision fp32 --luma-bits 8 --json | mean)
    b=$($VSR eval "$DATASETS/$set" --scale "$scale" --model "$f" --precision int8 --json | mean)
    row="$row | $a | $b | $(python3 -c "print('%+.3f' % ($b - $a))")"
  done
  if [ -e "$CLIP" ]; then
    va=($($VSR eval-video "$CLIP" --scale "$scale" --model "$f" --precision fp32 --crf 23,28,33 --frames 30 --no-ssim --json | video))
    vb=($($VSR eval-video "$CLIP" --scale "$scale" --model "$f" --precision int8 --crf 23,28,33 --frames 30 --no-ssim --json | video))
    d=$(python3 -c "import sys; a=[float(x) for x in '${va[*]}'.split()]; b=[float(x) for x in '${vb[*]}'.split()]; print(' / '.join('%+.3f' % (y - x) for x, y in zip(a, b)))")
    row="$row | $d |"
  else
    row="$row | (no clip) |"
  fi
  echo "$row"
done
