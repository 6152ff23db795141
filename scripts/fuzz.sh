#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer + AddressSanitizer and runs each for SECONDS.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      (make fuzz; make test runs a short smoke run)
# Corpora grow in fuzz-corpus/TARGET (not committed); a crash stops with its input in
# fuzz-corpus/crashes/, which then belongs in Tests/VSRUpscaleTests/Regressions/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}; shift || true
targets=("${@:-media model config manifest}")
read -r -a targets <<< "${targets[*]}"
swift build --product vsr-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
  2>&1 | grep -v "Cannot export local symbol" | grep -v "^\[" || true
bin=.build-fuzz/debug/vsr-fuzz
[ -x "$bin" ] || { echo "fuzz build failed" >&2; exit 1; }
scripts/fuzz_seeds.sh fuzz-corpus/seeds
mkdir -p fuzz-corpus/crashes
for t in "${targets[@]}"; do
  mkdir -p "fuzz-corpus/$t"
  echo "fuzzing $t for $seconds s"
  # ASan's leak check is on: a leak is a finding too. rss_limit bounds what one input may take.
  VSR_FUZZ_TARGET=$t ASAN_OPTIONS=detect_leaks=1 "$bin" "fuzz-corpus/$t" "fuzz-corpus/seeds/$t" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=200000 \
    -artifact_prefix="fuzz-corpus/crashes/$t-" -print_final_stats=1 2>&1 \
    | grep -E "^(#[0-9]+ +(INITED|DONE|pulse)|stat::(number_of_executed_units|peak_rss_mb|new_units_added)|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)" || true
  if ls fuzz-corpus/crashes/"$t"-* >/dev/null 2>&1; then echo "fuzz target $t found a crash: fuzz-corpus/crashes/" >&2; exit 1; fi
done
