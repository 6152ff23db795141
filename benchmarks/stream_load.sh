#!/usr/bin/env bash
# vsr stream on a loaded machine: the real 640x360 29.97 fps clip paced in real time (--realtime),
# one busy process per core beside it, for 20 s; the fallback must hold the frame rate within the
# latency budget. Usage: benchmarks/stream_load.sh [MODEL] (default balanced).
set -euo pipefail
cd "$(dirname "$0")/.."
VSR=${VSR:-.build/release/vsr}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"; pkill -P $$ yes 2>/dev/null || true' EXIT
ffmpeg -v error -i ../shared/videos/slow_traffic_small.mp4 -t 20 -c copy "$OUT/clip.mp4"
for _ in $(seq "$(nproc)"); do yes > /dev/null & done
"$VSR" stream "$OUT/clip.mp4" "$OUT/live.ts" --realtime --duration 20 --model "${1:-balanced}" --stats-interval 10
