#!/usr/bin/env bash
# Seed corpora for the fuzz targets: small valid files of every kind vsr reads (made with the
# ffmpeg CLI), the bundled model files, stream configs, a segment manifest. Written to
# OUT/{media,model,config,manifest}.
set -euo pipefail
out=${1:?usage: fuzz_seeds.sh OUT}
mkdir -p "$out/media" "$out/model" "$out/config" "$out/manifest"
cd "$(dirname "$0")/.."
mk() { ffmpeg -v error -y -f lavfi -i "testsrc=size=$1:rate=10" -frames:v 3 "${@:2}"; }
[ -s "$out/media/h264.mp4" ] || {
  mk 64x48 -c:v libx264 -g 2 "$out/media/h264.mp4"
  mk 33x17 -c:v ffv1 -pix_fmt yuv420p "$out/media/odd-ffv1.mkv"
  mk 64x48 -c:v mpeg2video "$out/media/mpeg2.ts"
  mk 64x48 -c:v mjpeg "$out/media/mjpeg.avi"
  mk 31x15 -frames:v 1 "$out/media/odd.png"
  mk 64x48 -c:v libx264 -bsf:v h264_mp4toannexb -f h264 "$out/media/raw.h264"
  mk 64x48 -c:v libx265 -x265-params log-level=none -f hevc "$out/media/raw.hevc"
  mk 48x32 -c:v libx264 -pix_fmt yuv444p10le "$out/media/h264-444-10bit.mkv"
  mk 40x30 -c:v ffv1 -pix_fmt bgr0 "$out/media/rgb-ffv1.mkv"
}
cp weights/fast-x2.safetensors weights/balanced-x4.safetensors "$out/model/"
echo '{"streams": [{"input": "udp://127.0.0.1:5000", "output": "out.ts", "name": "door"}]}' > "$out/config/one.json"
echo '{"streams": [{"input": "a.mp4", "output": "b.m3u8", "format": "hls"}, {"input": "rtsp://cam/1", "output": "srt://127.0.0.1:9000"}]}' > "$out/config/two.json"
cp Tests/VSRUpscaleTests/Regressions/manifest/* "$out/manifest/"
