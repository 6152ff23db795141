#!/usr/bin/env bash
# Regenerates BENCHMARKS.md on this machine (`make bench`): vsr's kernels and pipelines, the same
# networks on ONNX Runtime and OpenCV's dnn (throwaway venv) and oneDNN (PyTorch, from training/), FFmpeg's scalers on the same clip,
# live streams, and Set5/Set14 quality. Every measurement lands as JSON in $OUT first.
set -euo pipefail
cd "$(dirname "$0")/.."
VSR=.build/release/vsr
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
echo "measurements in $OUT"
CLIP=../shared/videos/slow_traffic_small.mp4
if [ ! -f "$CLIP" ]; then
  CLIP="$OUT/clip.mp4"
  ffmpeg -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 20 -c:v libx264 -crf 20 "$CLIP"
fi

echo "== kernels"
$VSR bench kernels --json > "$OUT/kernels.json"

echo "== peers (ONNX Runtime, OpenCV dnn, OpenVINO fp32 and NNCF int8, oneDNN through PyTorch) on the same networks"
python3 -m venv "$OUT/venv"
"$OUT/venv/bin/pip" install -q -r benchmarks/requirements-peers.txt
for size in 640x360 960x540; do
  w=${size%x*}; h=${size#*x}
  python3 training/export_onnx.py "$OUT/onnx-$size" "$w" "$h" > /dev/null 2>&1
  "$OUT/venv/bin/python" benchmarks/peers.py "$OUT/onnx-$size" "$w" "$h" 1 2 > "$OUT/peers-$size.json" 2> /dev/null
  python3 benchmarks/onednn.py "$w" "$h" 1 2 > "$OUT/onednn-$size.json" 2> /dev/null
  "$OUT/venv/bin/python" benchmarks/openvino_peer.py "$OUT/onnx-$size" "$w" "$h" 1 2 > "$OUT/openvino-$size.json" 2> /dev/null
done

echo "== FFmpeg's sr filter (native backend) on the ESPCN(64,32) network"
python3 training/export_ffmpeg_native.py "$OUT/espcn.model"
ffmpeg -v error -y -i "$CLIP" -vf scale=640:360 -frames:v 4 -c:v libx264 -crf 18 "$OUT/sr-in.mp4"
t() { local s e; s=$(date +%s.%N); ffmpeg -v error -i "$OUT/sr-in.mp4" -frames:v "$1" -vf "sr=dnn_backend=native:model=$OUT/espcn.model" -f null -; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
t2=$(t 2); t4=$(t 4)
python3 -c "import json; print(json.dumps({'engine': 'ffmpeg 5.1 sr (native)', 'model': 'ESPCN(64,32)', 'width': 640, 'height': 360, 'ms_per_frame': ($t4 - $t2) / 2 * 1000}))" > "$OUT/ffmpeg-sr.json"

echo "== pipelines on generated clips"
$VSR bench pipeline --json --runs 3 --plot BENCHMARKS-pipeline.svg > "$OUT/pipeline.json"

echo "== the same clip through vsr and ffmpeg (libx264 veryfast crf 18 for all)"
frames=$(ffprobe -v error -count_packets -select_streams v:0 -show_entries stream=nb_read_packets -of csv=p=0 "$CLIP")
for m in bicubic $(ls weights | sed -n 's/-x2.safetensors$//p'); do
  $VSR upscale "$CLIP" "$OUT/vsr.mp4" --model "$m" --overwrite --progress none --report json > "$OUT/clip-vsr-$m.json"
done
for flags in bicubic lanczos; do
  start=$(date +%s.%N)
  ffmpeg -v error -y -i "$CLIP" -vf "scale=iw*2:ih*2:flags=$flags" -c:v libx264 -preset veryfast -crf 18 -c:a copy "$OUT/ff.mp4"
  end=$(date +%s.%N)
  python3 -c "import json; print(json.dumps({'tool': 'ffmpeg scale=$flags', 'frames': $frames, 'seconds': $end - $start, 'fps': $frames / ($end - $start)}))" > "$OUT/clip-ffmpeg-$flags.json"
done

echo "== live streams"
for n in 1 2; do benchmarks/stream_bench.sh "$n" "$CLIP" 15 balanced 2> /dev/null | tail -1 > "$OUT/stream-$n.json"; done
CAM720=../shared/videos/faces.mp4   # 1280x720 25 fps: the fast model's real-time case
if [ -f "$CAM720" ] && [ -f weights/fast-x2.safetensors ]; then
  benchmarks/stream_bench.sh 1 "$CAM720" 15 fast 2> /dev/null | tail -1 > "$OUT/stream-720-fast.json"
fi

echo "== quality"
benchmarks/quality.sh "$OUT"

python3 benchmarks/render.py "$OUT" "$CLIP" > BENCHMARKS.md
echo "wrote BENCHMARKS.md and BENCHMARKS-pipeline.svg"
