#!/usr/bin/env bash
# Live-stream capacity: N simulated cameras (a 640x360 25 fps copy of a real clip, 1 s GOP, no
# B-frames, played in real time as MPEG-TS over UDP on loopback) enhanced by one
# `vsr stream --config` process with the default model and precision (x2). Prints each camera's
# share of frames upscaled and p99 latency, and whether the run holds: >= 95 % upscaled and
# p99 <= 500 ms on every camera.
# Usage: benchmarks/stream_bench.sh [N=1|sweep] [SECONDS=30] [CLIP=../shared/videos/slow_traffic_small.mp4] [extra vsr options...]
#   sweep: N = 1, 2, 3, ... until a run does not hold; prints the largest N that does.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1}; SECONDS_=${2:-30}; CLIP=${3:-../shared/videos/slow_traffic_small.mp4}
shift $(( $# < 3 ? $# : 3 ))
VSR=${VSR:-.build/release/vsr}
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
. benchmarks/simulated_cameras.sh
camera_clip "$CLIP" "$work/camera.ts"

# One run with $1 cameras; prints a line per camera and "holds" or "fails" last.
run() {
  local n=$1
  camera_config "$n" 23000 "$work"
  "$VSR" stream --config "$work/cams.json" --duration "$SECONDS_" --stats-interval 1000 --progress json --quiet "$@" \
    > "$work/summary.json" &
  local vsr_pid=$! pids=()
  sleep 1
  for i in $(seq 1 "$n"); do
    ffmpeg -v error -re -stream_loop -1 -i "$work/camera.ts" -c copy -f mpegts "udp://127.0.0.1:$(camera_port "$i" 23000)?pkt_size=1316" &
    pids+=($!)
  done
  wait "$vsr_pid" || true
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  python3 - "$work/summary.json" "$n" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
reports = data if isinstance(data, list) else [data]
ok = True
for r in reports:
    seen = max(1, r["frames_in"])
    share = 100.0 * r["upscaled"] / seen
    ok = ok and share >= 95 and r["latency_ms_p99"] <= 500 and r["frames_in"] > 0
    print(f'  {r["stream"]}: {r["frames_in"]} frames, {share:.1f} % upscaled, {r["fallback"]} fallback, '
          f'{r["dropped"]} dropped, p50/p99 {r["latency_ms_p50"]:.0f}/{r["latency_ms_p99"]:.0f} ms')
print(f'N={sys.argv[2]}: ' + ("holds" if ok else "fails"))
PY
}

if [ "$N" = sweep ]; then
  best=0
  for n in 1 2 3 4 5 6 7 8; do
    out=$(run "$n" "$@"); echo "$out"
    echo "$out" | tail -1 | grep -q holds || break
    best=$n
  done
  echo "largest N that holds: $best (>= 95 % upscaled, p99 <= 500 ms, ${SECONDS_} s runs)"
else
  run "$N" "$@"
fi
