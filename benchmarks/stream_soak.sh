#!/usr/bin/env bash
# Soak test of `vsr stream`: N cameras (a 640x360 25 fps copy of a real clip, 1 s GOP, MPEG-TS over
# UDP on loopback) for SECONDS, one camera's source restarted every RESTART_EVERY seconds in
# turn (down 8 s, past the 5 s timeout, then back), /metrics scraped at every sample. vsr's resident memory and open
# file descriptors are sampled from /proc every 10 s: both must stay flat (no growth with
# uptime, reconnects or scrapes). Prints the curve (a line a minute), a summary, and the
# cameras' totals; exit 1 if vsr died before the end.
# Usage: benchmarks/stream_soak.sh [SECONDS=1800] [N=4] [RESTART_EVERY=180] [MODEL=balanced] [CLIP=../shared/videos/slow_traffic_small.mp4]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_=${1:-1800}; N=${2:-4}; RESTART_EVERY=${3:-180}; MODEL=${4:-balanced}; CLIP=${5:-../shared/videos/slow_traffic_small.mp4}
VSR=${VSR:-.build/release/vsr}
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
. benchmarks/simulated_cameras.sh
camera_clip "$CLIP" "$work/camera.ts"
camera_config "$N" 24000 "$work"
port=$((18500 + RANDOM % 1000))
"$VSR" stream --config "$work/cams.json" --model "$MODEL" --duration "$SECONDS_" --stats-interval 1000 --progress json \
  --http "127.0.0.1:$port" > "$work/summary.json" 2> "$work/stderr.txt" &
vsr_pid=$!
sleep 1
declare -A src
start_camera() { ffmpeg -v error -re -stream_loop -1 -i "$work/camera.ts" -c copy -f mpegts "udp://127.0.0.1:$(camera_port "$1" 24000)?pkt_size=1316" & src[$1]=$!; }
for i in $(seq 1 "$N"); do start_camera "$i"; done
samples="$work/samples.txt"; began=$(date +%s); next_restart=$((began + RESTART_EVERY)); turn=1
while kill -0 "$vsr_pid" 2>/dev/null; do
  now=$(date +%s)
  if [ "$now" -ge "$next_restart" ]; then
    kill "${src[$turn]}" 2>/dev/null || true
    sleep 8; start_camera "$turn"  # longer than --timeout (5 s): the camera is lost and reconnected
    turn=$(( turn % N + 1 )); next_restart=$((next_restart + RESTART_EVERY))
  fi
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$vsr_pid/status" 2>/dev/null || true)
  fds=$(ls "/proc/$vsr_pid/fd" 2>/dev/null | wc -l)
  scrape=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port/metrics" || true)
  [ -n "$rss" ] && echo "$((now - began)) rss_kib=$rss fds=$fds metrics=$scrape" >> "$samples"
  sleep 10
done
status=0
wait "$vsr_pid" || status=$?
elapsed=$(( $(date +%s) - began ))
awk 'NR % 6 == 1 {split($2,a,"="); split($3,b,"="); printf "  %5d s  RSS %6.1f MiB  fds %d  %s\n", $1, a[2]/1024, b[2], $4}' "$samples"
awk '{split($2,a,"="); split($3,b,"="); r[NR]=a[2]; f[NR]=b[2]; if (a[2]>mr) mr=a[2]; if (b[2]>mf) mf=b[2]; if ($4 != "metrics=200") bad++}
     END {printf "samples %d: RSS first %.1f MiB, last %.1f MiB, max %.1f MiB; fds first %d, last %d, max %d; failed scrapes %d\n",
          NR, r[1]/1024, r[NR]/1024, mr/1024, f[1], f[NR], mf, bad}' "$samples"
python3 - "$work/summary.json" <<'PY' || cat "$work/summary.json"
import json, sys
data = json.load(open(sys.argv[1]))
for r in data if isinstance(data, list) else [data]:
    print(f'  {r["stream"]}: in {r["frames_in"]}, upscaled {r["upscaled"]}, fallback {r["fallback"]}, dropped {r["dropped"]}, '
          f'reconnects {r["reconnects"]}, p99 {r["latency_ms_p99"]:.0f} ms, state {r["state"]}')
PY
if [ "$status" -ne 0 ] || [ "$elapsed" -lt "$((SECONDS_ - 5))" ]; then
  echo "vsr exited with $status after $elapsed s of $SECONDS_"; tail -5 "$work/stderr.txt"; exit 1
fi
echo "vsr ran $elapsed s: 0 crashes"
