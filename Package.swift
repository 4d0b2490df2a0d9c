// swift-tools-version:6.1
// BoardBench: on-device benchmarking of ML models on Linux edge boards.
// Layers and what each may import are described in docs/architecture.md.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "BoardBench",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "boardbench", targets: ["boardbench"]),
        .executable(name: "boardbench-agent", targets: ["boardbench-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // System libraries: a module map and a shim header each, nothing else.
        .systemLibrary(name: "CLibSSH", pkgConfig: "libssh", providers: [.apt(["libssh-dev"])]),
        .systemLibrary(name: "CLibPFM", providers: [.apt(["libpfm4-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Agent side: ships to boards, so no GRDB, Store, Controller or Reports here.
        .target(name: "BenchCore", swiftSettings: strict, linkerSettings: [.linkedLibrary("m")]),
        .target(name: "ModelPlan", dependencies: ["BenchCore"], swiftSettings: strict),
        // Hand-written micro-kernels (AVX2+FMA chosen at run time, portable fallback); C only, no flags.
        .target(name: "CKernels"),
        .target(name: "Runtime", dependencies: ["ModelPlan", "COpenBLAS", "CKernels"], swiftSettings: strict),
        // Linux calls Swift's Glibc module does not export (CPU affinity).
        .target(name: "CPlatform"),
        .target(name: "Probes", dependencies: ["BenchCore", "CLibPFM", "CPlatform"], swiftSettings: strict),
        // Output parsers of external benchmark programs (llama-bench, benchmark_model, trtexec).
        .target(name: "Runners", dependencies: ["BenchCore"], swiftSettings: strict),
        .target(name: "Agent", dependencies: ["Runtime", "Probes", "Runners"], swiftSettings: strict),
        .executableTarget(name: "boardbench-agent", dependencies: ["Agent"], swiftSettings: strict),

        // Host side.
        .target(name: "Transport", dependencies: ["BenchCore", "CLibSSH"], swiftSettings: strict),
        .target(
            name: "Store",
            dependencies: ["BenchCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .target(
            name: "Controller",
            dependencies: [
                "Transport", "Store", "ModelPlan", "ONNX", "Spaces", "Runtime", "Runners",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Resources/Profiles"), .copy("Resources/boards")],
            swiftSettings: strict),
        .target(name: "ONNX", dependencies: ["BenchCore", "ModelPlan"], swiftSettings: strict),
        .target(
            name: "Spaces", dependencies: ["BenchCore", "ModelPlan", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        .target(
            name: "Tables", dependencies: ["BenchCore", "Controller", "Store", "ModelPlan", "Spaces", "Runtime", "Transport"], swiftSettings: strict),
        .target(name: "Reports", dependencies: ["BenchCore", "Store", "Controller", "Tables"], swiftSettings: strict),
        .executableTarget(
            name: "boardbench",
            dependencies: [
                "Controller", "Tables", "Reports", "Store", "Runtime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // Benchmarks (Benchmarks/README.md): the BoardBench side of the ONNX Runtime comparison.
        .executableTarget(
            name: "boardbench-bench", dependencies: ["Agent", "Runtime", "ModelPlan", "COpenBLAS", "Store"],
            path: "Benchmarks/Sources/boardbench-bench", swiftSettings: strict),

        // Fuzzing (docs/reliability.md, "Fuzzing"): one entry point per parser, and the libFuzzer
        // driver that scripts/fuzz.sh builds with -DBOARDBENCH_FUZZ (without it: a file replayer).
        .target(name: "FuzzTargets", dependencies: ["BenchCore", "ModelPlan", "ONNX", "Spaces", "Controller"], swiftSettings: strict),
        .executableTarget(name: "boardbench-fuzz", dependencies: ["FuzzTargets"], swiftSettings: strict),

        // Tests.
        .target(name: "BenchTestSupport", dependencies: ["BenchCore"], path: "Tests/BenchTestSupport", swiftSettings: strict),
        .testTarget(name: "BenchCoreTests", dependencies: ["BenchCore"], swiftSettings: strict),
        .testTarget(name: "ModelPlanTests", dependencies: ["ModelPlan"], swiftSettings: strict),
        .testTarget(
            name: "ONNXTests", dependencies: ["ONNX", "Runtime", "BenchTestSupport"], exclude: ["Fixtures"],
            swiftSettings: strict),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "ModelPlan"], swiftSettings: strict),
        .testTarget(name: "SpacesTests", dependencies: ["Spaces", "Runtime"], swiftSettings: strict),
        .testTarget(name: "ProbesTests", dependencies: ["Probes", "BenchTestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "AgentTests", dependencies: ["Agent", "BenchTestSupport", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "BenchTestSupport"], swiftSettings: strict),
        .testTarget(name: "StoreTests", dependencies: ["Store"], swiftSettings: strict),
        .testTarget(name: "RunnersTests", dependencies: ["Runners"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "ControllerTests", dependencies: ["Controller", "Runtime", "BenchTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .testTarget(name: "TablesTests", dependencies: ["Tables", "Spaces"], swiftSettings: strict),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "BenchTestSupport"], exclude: ["Snapshots"], swiftSettings: strict),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets"], swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["BenchTestSupport", "Controller", "BenchCore", "Store"], swiftSettings: strict),
    ]
)
