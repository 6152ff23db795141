// swift-tools-version:6.0
import PackageDescription

// Kernels are compiled for AVX2+FMA in release builds (x86-64-v3): without it SIMD8 FMA becomes
// scalar `fmaf` calls. VSR_PORTABLE=1 builds them for baseline x86-64 instead (the Makefile sets
// it on CPUs without AVX2), and `vsr` checks the CPU at start-up before running AVX2 code.
let portable = Context.environment["VSR_PORTABLE"] == "1"
let avx2: [SwiftSetting] = portable ? [] : [
    .unsafeFlags(["-Xcc", "-march=x86-64-v3"], .when(configuration: .release)),
    .define("VSR_AVX2", .when(configuration: .release)),
]
// The 16-lane kernels: AVX-512 code, znver4 tuning so LLVM keeps whole zmm registers. They run
// only after a CPU check (AVX512Kernels.install).
let avx512: [SwiftSetting] = portable ? [] : [
    .unsafeFlags(["-Xcc", "-march=x86-64-v4", "-Xcc", "-mtune=znver4"], .when(configuration: .release)),
    .define("VSR_AVX512", .when(configuration: .release)),
]

let package = Package(
    name: "vsr",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vsr", targets: ["vsr"]),
        // Fuzz targets (make fuzz builds them with libFuzzer); a plain build replays inputs.
        .executable(name: "vsr-fuzz", targets: ["vsr-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        // The status endpoint: SwiftNIO's HTTP/1 server directly (Hummingbird's stack costs minutes of
        // build time per configuration; README "Build time"), Prometheus text from swift-prometheus.
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libavfilter libswscale libswresample libavutil",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libswresample-dev", "libavfilter-dev", "libavutil-dev"])]
        ),
        // FFmpeg stays behind VSRMedia: it is the only module that imports CFFmpeg (make test checks).
        .target(name: "VSRMedia", dependencies: ["CFFmpeg"]),
        .target(name: "VSRPipeline", dependencies: [.product(name: "DequeModule", package: "swift-collections")]),
        // Int8 (VNNI) code in C: Swift cannot emit vpdpbusd (CKernelsInt8/include/vnni_probe.h says why).
        .target(name: "CKernelsInt8"),
        .target(name: "VSRKernels", dependencies: ["CKernelsInt8"], swiftSettings: avx2),
        .target(name: "VSRKernelsAVX512", dependencies: ["VSRKernels"], swiftSettings: avx512),
        .target(name: "VSRModels", dependencies: ["VSRKernels"]),
        // A decoded frame in, an upscaled frame out; the errors both jobs report.
        .target(name: "VSRFrames", dependencies: ["VSRMedia", "VSRPipeline", "VSRKernels"]),
        .target(name: "VSRUpscale", dependencies: ["VSRFrames", "VSRMedia", "VSRPipeline", "VSRKernels"]),
        .target(name: "VSRLive", dependencies: ["VSRFrames", "VSRMedia", "VSRPipeline", "VSRKernels",
                                                .product(name: "Prometheus", package: "swift-prometheus")]),
        // `vsr stream --http`: metrics, health, the JSON API and the status page over HTTP/1.
        .target(name: "VSRHTTP", dependencies: ["VSRLive", "VSRFrames",
                                                .product(name: "NIOCore", package: "swift-nio"),
                                                .product(name: "NIOPosix", package: "swift-nio"),
                                                .product(name: "NIOHTTP1", package: "swift-nio")]),
        .target(name: "VSRBench", dependencies: ["VSRUpscale", "VSRKernels", "VSRPipeline"]),
        .target(name: "VSRQuality", dependencies: ["VSRMedia", "VSRKernels"]),
        .executableTarget(name: "vsr", dependencies: [
            "VSRUpscale", "VSRLive", "VSRHTTP", "VSRBench", "VSRFrames", "VSRMedia", "VSRPipeline", "VSRKernels",
            "VSRKernelsAVX512", "VSRModels", "VSRQuality",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "vsr-fuzz", dependencies: ["VSRLive", "VSRUpscale", "VSRMedia", "VSRKernels", "VSRModels"]),
        // What the tests share: the scalar reference executor, kernel test data, media fixtures.
        .target(name: "VSRTestSupport", dependencies: ["VSRKernels", "VSRKernelsAVX512", "VSRMedia", "VSRBench"]),
        .testTarget(name: "VSRUpscaleTests", dependencies: ["VSRUpscale", "VSRFrames", "VSRMedia", "VSRKernels", "VSRPipeline", "VSRTestSupport", "VSRBench"],
                    exclude: ["Regressions"]),
        .testTarget(name: "VSRLiveTests", dependencies: ["VSRLive", "VSRHTTP", "VSRUpscale", "VSRFrames", "VSRMedia", "VSRKernels", "VSRPipeline", "VSRTestSupport"]),
        .testTarget(name: "VSRPipelineTests", dependencies: ["VSRPipeline"]),
        .testTarget(name: "VSRQualityTests", dependencies: ["VSRQuality", "VSRKernels", "VSRMedia", "VSRModels", "VSRTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "VSRKernelsTests", dependencies: ["VSRKernels", "VSRKernelsAVX512", "VSRTestSupport"]),
        .testTarget(name: "VSRModelsTests", dependencies: ["VSRModels", "VSRKernels"], exclude: ["Fixtures"]),
        .testTarget(name: "VSRBenchTests", dependencies: ["VSRBench", "VSRKernels"]),
    ],
    swiftLanguageModes: [.v6]
)
