# Sourced by stream_bench.sh and stream_soak.sh: simulated cameras on loopback.
#   camera_clip CLIP OUT   a camera-like copy of CLIP: 640x360, 25 fps, libx264 veryfast CRF 23,
#                          1 s GOP, no B-frames, MPEG-TS (cameras send short GOPs)
#   camera_config N BASE DIR   DIR/cams.json: N cameras cam1..camN on udp://127.0.0.1:BASE+2i,
#                              each written to DIR/camI.ts
#   camera_port I BASE     camera I's port
camera_clip() {
  ffmpeg -v error -y -i "$1" -vf scale=640:360,fps=25 -c:v libx264 -preset veryfast -crf 23 -g 25 -bf 0 -an -f mpegts "$2"
}
camera_port() { echo $(( $2 + $1 * 2 )); }
camera_config() {
  local n=$1 base=$2 dir=$3 i sep
  echo '{"streams": [' > "$dir/cams.json"
  for i in $(seq 1 "$n"); do
    sep=$([ "$i" -lt "$n" ] && echo , || true)
    echo "{\"input\": \"udp://127.0.0.1:$(camera_port "$i" "$base")\", \"output\": \"$dir/cam$i.ts\", \"name\": \"cam$i\"}$sep" >> "$dir/cams.json"
  done
  echo ']}' >> "$dir/cams.json"
}
