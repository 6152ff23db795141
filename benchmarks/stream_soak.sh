#!/usr/bin/env bash
# Soak test of `vsr stream`: a camera (MPEG-TS over UDP on loopback) that restarts RESTARTS times
# over SECONDS; vsr's resident memory and open file descriptors are sampled from /proc every 5 s.
# Both must stay flat (no growth with uptime or with reconnects). Prints one line per sample and
# a summary: first/last/max RSS and fd count.
# Usage: benchmarks/stream_soak.sh [SECONDS=600] [RESTARTS=10] [MODEL=fast] [CLIP=../shared/videos/slow_traffic_small.mp4]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_=${1:-600}; RESTARTS=${2:-10}; MODEL=${3:-fast}; CLIP=${4:-../shared/videos/slow_traffic_small.mp4}
VSR=.build/release/vsr
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
port=24010
ffmpeg -v error -y -i "$CLIP" -c:v libx264 -preset veryfast -crf 20 -g 30 -bf 0 -c:a copy -f mpegts "$work/camera.ts"
$VSR stream "udp://127.0.0.1:$port" "$work/out.ts" --model "$MODEL" --duration "$SECONDS_" --stats-interval 1000 \
  --progress json > "$work/summary.json" 2> "$work/stderr.txt" &
vsr_pid=$!
# The camera: on for a while, off for 3 s (vsr reconnects), RESTARTS times.
(
  period=$(( SECONDS_ / (RESTARTS + 1) ))
  for i in $(seq 0 "$RESTARTS"); do
    timeout "$(( period > 4 ? period - 3 : 1 ))" ffmpeg -v error -re -stream_loop -1 -i "$work/camera.ts" -c copy \
      -f mpegts "udp://127.0.0.1:$port?pkt_size=1316" || true
    sleep 3
  done
) &
samples="$work/samples.txt"
while kill -0 "$vsr_pid" 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$vsr_pid/status" 2>/dev/null || true)
  fds=$(ls "/proc/$vsr_pid/fd" 2>/dev/null | wc -l)
  [ -n "$rss" ] && echo "$(date +%s) rss_kib=$rss fds=$fds" | tee -a "$samples"
  sleep 5
done
wait "$vsr_pid" || true
grep -v "^{" "$work/stderr.txt" | tail -5 || true
awk '{split($2,a,"="); split($3,b,"="); r[NR]=a[2]; f[NR]=b[2]; if (a[2]>mr) mr=a[2]; if (b[2]>mf) mf=b[2]}
     END {printf "samples %d: RSS first %.1f MiB, last %.1f MiB, max %.1f MiB; fds first %d, last %d, max %d\n",
          NR, r[1]/1024, r[NR]/1024, mr/1024, f[1], f[NR], mf}' "$samples"
python3 -c "import json,sys; r=json.load(open('$work/summary.json')); print({k: r[k] for k in r if k in ('frames_in','frames_out','reconnects','upscaled','fallback','dropped')})" 2>/dev/null \
  || cat "$work/summary.json"
