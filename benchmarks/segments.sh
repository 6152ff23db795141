#!/usr/bin/env bash
# Segmented upscale vs single pass on one 3000-frame clip (the real clip looped, 640x360, 29.97 fps,
# x264 with 10 s GOPs and AAC audio, as files are), same model and encoder settings:
#   - segmenting overhead at 60 s (the default) and 20 s segments,
#   - resume: kill -9 once 60 % of the segments are finished, then time the rerun,
#   - join time and per-segment overhead (one `vsr upscale --segment K` against its share of the pass).
# Usage: benchmarks/segments.sh [MODEL] (default fast). Pause background jobs first: it times.
set -euo pipefail
cd "$(dirname "$0")/.."
VSR=${VSR:-.build/release/vsr}
MODEL=${1:-fast}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
SRC=../shared/videos/slow_traffic_small.mp4
if [ -f "$SRC" ]; then
  ffmpeg -v error -stream_loop 3 -i "$SRC" -t 100.1 -c:v libx264 -preset fast -crf 20 -g 300 -c:a aac "$OUT/clip.mp4"
else
  ffmpeg -v error -f lavfi -i testsrc2=size=640x360:rate=30000/1001 -f lavfi -i sine -t 100.1 -c:v libx264 -g 300 -c:a aac -shortest "$OUT/clip.mp4"
fi
frames=$(ffprobe -v error -count_packets -select_streams v -show_entries stream=nb_read_packets -of csv=p=0 "$OUT/clip.mp4")
secs() { local s; s=$(date +%s.%N); "$@" > /dev/null; echo "$(date +%s.%N) - $s" | bc; }
common=(--model "$MODEL" --progress none --quiet --overwrite)
single=$(secs "$VSR" upscale "$OUT/clip.mp4" "$OUT/single.mp4" "${common[@]}" --segment-seconds 0)
seg60=$(secs "$VSR" upscale "$OUT/clip.mp4" "$OUT/seg60.mp4" "${common[@]}" --segment-seconds 60)
seg20=$(secs "$VSR" upscale "$OUT/clip.mp4" "$OUT/seg20.mp4" "${common[@]}" --segment-seconds 20)
echo "clip: $frames frames; model $MODEL; libx264 veryfast crf 18 (vsr's defaults)"
printf 'single pass        %7.1f s\n' "$single"
printf 'segments of 60 s   %7.1f s  (%+.1f %%)\n' "$seg60" "$(echo "100 * ($seg60 - $single) / $single" | bc -l)"
printf 'segments of 20 s   %7.1f s  (%+.1f %%)\n' "$seg20" "$(echo "100 * ($seg20 - $single) / $single" | bc -l)"

# Resume after kill -9 at 60 % (20 s segments: 5 of them).
rm -f "$OUT/resume.mp4"
"$VSR" upscale "$OUT/clip.mp4" "$OUT/resume.mp4" "${common[@]}" --segment-seconds 20 & pid=$!
total=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['segments']))" "$OUT/seg20.mp4.vsr-work/manifest.json" 2>/dev/null || echo 5)
need=$(( (total * 6 + 9) / 10 ))
while kill -0 $pid 2>/dev/null && [ "$(ls "$OUT/resume.mp4.vsr-work"/segment-*.json 2>/dev/null | wc -l)" -lt "$need" ]; do sleep 0.05; done
kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
done_before=$(ls "$OUT/resume.mp4.vsr-work"/segment-*.json | wc -l)
resume=$(secs "$VSR" upscale "$OUT/clip.mp4" "$OUT/resume.mp4" "${common[@]}" --segment-seconds 20)
printf 'resume after kill -9 with %d of %d segments done: %.1f s = %.0f %% of a full segmented run\n' \
  "$done_before" "$total" "$resume" "$(echo "100 * $resume / $seg20" | bc -l)"

# Join and per-segment overhead, through the cluster commands.
"$VSR" plan "$OUT/clip.mp4" "$OUT/cluster.mp4" --model "$MODEL" --segment-seconds 20 > /dev/null
M="$OUT/cluster.mp4.vsr-work/manifest.json"
n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['segments']))" "$M")
seg_total=0
for k in $(seq 0 $((n - 1))); do
  t=$(secs "$VSR" upscale --segment "$k" --manifest "$M" --quiet)
  seg_total=$(echo "$seg_total + $t" | bc)
done
join=$(secs "$VSR" join --manifest "$M")
per_task=$(echo "($seg_total - $single) / $n" | bc -l)
printf 'cluster commands: %d segments %.1f s in all (%.2f s overhead a segment over the single pass), join %.2f s\n' \
  "$n" "$seg_total" "$per_task" "$join"
for nodes in 4 16; do
  # Segments of 60 s of a 2-hour film: 120 tasks; each node does ceil(120/nodes) of them.
  python3 - "$single" "$frames" "$per_task" "$join" "$nodes" <<'PY'
import math, sys
single, frames, per_task, join, nodes = map(float, sys.argv[1:])
film_frames = 2 * 3600 * 29.97
per_frame = single / frames
segments = 120
seg_time = film_frames / segments * per_frame + per_task
one_node = film_frames * per_frame
wall = math.ceil(segments / nodes) * seg_time + join * film_frames / frames
print(f'predicted for a 2-hour film in 120 segments on {int(nodes)} nodes: {wall/3600:.2f} h vs {one_node/3600:.2f} h on one '
      f'(speed-up {one_node / wall:.1f}x, efficiency {one_node / wall / nodes * 100:.0f} %)')
PY
done
