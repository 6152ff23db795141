# vsr: the two commands a fresh Debian 12 machine with the Swift toolchain needs are
#   make demo   upscale the bundled sample and print where the result is
#   make test   run the test suite
SHELL := /bin/bash
SWIFT ?= swift
DEV_PACKAGES := libavformat-dev libavcodec-dev libswscale-dev libswresample-dev libavfilter-dev libavutil-dev pkg-config
# The ffmpeg CLI: tests make their own clips with it, and the benchmarks compare against it.
# curl and chromium: the tests of `vsr stream --http` (HTTP clients, and the status page in a browser).
TOOL_PACKAGES := ffmpeg curl chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
VSR := .build/release/vsr
# Kernels use AVX2+FMA unless this CPU lacks them (Package.swift reads VSR_PORTABLE).
VSR_PORTABLE ?= $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo 0 || echo 1)
export VSR_PORTABLE

.PHONY: all deps build demo test tsan fuzz bench bench-quality clean

all: build

# Installs only what is missing; `apt-get update` first since a fresh machine's lists may be empty.
deps:
	@missing=""; \
	for p in $(DEV_PACKAGES) $(TOOL_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product vsr

demo: build
	@mkdir -p out
	$(VSR) upscale samples/sample.mp4 out/sample_x2.mp4 --scale 2 --overwrite --progress plain
	@echo "demo output: $(CURDIR)/out/sample_x2.mp4"

# The suite runs twice: debug, and release, where the ISA flags apply, so the AVX2/AVX-512
# kernels and the tuner that ship are the ones compared with the scalar reference.
# (-enable-testing lets the release build of the tests use @testable imports.)
RELEASE_TESTS := -c release -Xswiftc -enable-testing
test: deps
	scripts/check_imports.sh
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(SWIFT) build $(RELEASE_TESTS) --build-tests
	$(SWIFT) test $(RELEASE_TESTS) --skip-build
	@python3 -c "import ray" 2>/dev/null || python3 -m pip install -q -r cluster/requirements.txt
	python3 cluster/test_vsr_ray.py .build/release/vsr
	scripts/fuzz.sh $(FUZZ_SMOKE_SECONDS)

# The live path (reader, workers, encoder threads per camera) and the pipeline pieces under
# ThreadSanitizer. The UDP tests are left out: libavformat ends its UDP reader thread with
# pthread_cancel, which TSan cannot follow ("thread finished with ignores enabled").
tsan: deps
	$(SWIFT) build --build-tests --scratch-path .build-tsan -Xswiftc -sanitize=thread
	TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --skip-build --scratch-path .build-tsan --filter 'VSRLiveTests|VSRPipelineTests' \
	  --skip 'udpSource|udpCamera|cameraSendingGarbage|longGOP|sourceClockRestart|unreachableInput'

# Fuzz targets (model files, media from memory, stream configs) with libFuzzer + ASan, FUZZ_SECONDS each;
# make test runs each for FUZZ_SMOKE_SECONDS so they keep building and the corpus keeps passing.
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 10
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Regenerates BENCHMARKS.md (over 25 minutes on 2 cores; the pipeline table alone takes 15+). The peers go into a throwaway venv; the
# exporters need the training requirements (CPU-only torch, onnx).
bench: build
	@for p in bc python3-venv; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" \
	  || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq bc python3-venv; break; }; done
	@python3 -c "import torch, onnx" 2>/dev/null || python3 -m pip install -q -r training/requirements.txt
	benchmarks/compare.sh

# Only the Set5/Set14 quality section of BENCHMARKS.md (a few minutes; needs ../shared/datasets).
# Unlike the timings it is exact on a busy machine, so it can follow every newly trained model.
bench-quality: build
	@out=$$(mktemp -d) && benchmarks/quality.sh "$$out" && python3 benchmarks/quality_table.py "$$out" BENCHMARKS.md

clean:
	rm -rf .build out
