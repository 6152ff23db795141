#!/usr/bin/env bash
# Live-stream benchmark: N copies of a clip played in real time (ffmpeg -re, MPEG-TS over UDP on
# loopback) enhanced by one `vsr stream --config` process; prints vsr's final JSON summary.
# Usage: benchmarks/stream_bench.sh [N=1] [CLIP=../shared/videos/slow_traffic_small.mp4] [SECONDS=20] [MODEL=balanced] [extra vsr options...]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1}; CLIP=${2:-../shared/videos/slow_traffic_small.mp4}; SECONDS_=${3:-20}; MODEL=${4:-balanced}
shift $(( $# < 4 ? $# : 4 ))
VSR=.build/release/vsr
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
echo '{"streams": [' > "$work/cams.json"
for i in $(seq 1 "$N"); do
  port=$((23000 + i * 2))
  sep=$([ "$i" -lt "$N" ] && echo , || true)
  echo "{\"input\": \"udp://127.0.0.1:$port\", \"output\": \"$work/cam$i.ts\", \"name\": \"cam$i\"}$sep" >> "$work/cams.json"
done
echo ']}' >> "$work/cams.json"
# A camera-like copy of the clip: keyframe every second (cameras send short GOPs; the clip's
# own GOP is long, and a receiver joining mid-stream waits for a keyframe).
ffmpeg -v error -y -i "$CLIP" -c:v libx264 -preset veryfast -crf 20 -g 30 -bf 0 -c:a copy -f mpegts "$work/camera.ts"
$VSR stream --config "$work/cams.json" --model "$MODEL" --duration "$SECONDS_" --stats-interval 1000 --progress json --quiet "$@" > "$work/summary.json" &
vsr_pid=$!
sleep 1
for i in $(seq 1 "$N"); do
  port=$((23000 + i * 2))
  ffmpeg -v error -re -stream_loop -1 -i "$work/camera.ts" -c copy -f mpegts "udp://127.0.0.1:$port?pkt_size=1316" &
done
wait $vsr_pid
cat "$work/summary.json"
