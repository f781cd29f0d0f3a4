// swift-tools-version: 6.1
// SaddleKit 0.1.0. The version is written once, in Sources/SaddleCore/SaddleKitVersion.swift
// (`saddle --version`); CHANGELOG.md records what each version changed and how to migrate.
import PackageDescription

let package = Package(
  name: "SaddleKit",
  platforms: [.macOS(.v15)],
  // MARK: - Products
  products: [
    .library(name: "SaddleKit", targets: ["SaddleKit"]),
    .library(name: "SaddleCore", targets: ["SaddleCore"]),
    .library(name: "SaddleTensor", targets: ["SaddleTensor"]),
    .library(name: "SaddleModels", targets: ["SaddleModels"]),
    .library(name: "SaddleStudy", targets: ["SaddleStudy"]),
    .library(name: "SaddleBenchmarks", targets: ["SaddleBenchmarks"]),
    .executable(name: "saddle", targets: ["saddle"]),
    .library(name: "SaddleKitC", type: .dynamic, targets: ["SaddleKitC"]),
  ],
  targets: [
    // MARK: - Libraries
    .target(name: "SaddleCore", dependencies: ["_SaddleKernels"]),
    .target(name: "_SaddleKernels"),
    .target(name: "SaddleTensor", dependencies: ["_SaddleKernels"]),
    .target(
      name: "SaddleModels", dependencies: ["SaddleCore", "SaddleTensor"],
      // The Shakespeare corpus (`"corpus": "shakespeare"`), read as plain files.
      resources: [.copy("Resources/Shakespeare")]),
    .target(name: "SaddleStudy", dependencies: ["SaddleCore", "SaddleModels"]),
    .target(
      name: "SaddleKit",
      dependencies: ["SaddleCore", "SaddleTensor", "SaddleModels", "SaddleStudy"]
    ),

    // The C ABI (Python and other languages): `@_cdecl` functions, header in include/.
    .target(
      name: "SaddleKitC", dependencies: ["SaddleCore", "SaddleModels"], exclude: ["include"]),
    // MARK: - Benchmarks (measure the libraries through their public and package API)
    .target(name: "_SaddleBenchmarkKernels"),
    .target(name: "SaddleBenchmarks", dependencies: ["SaddleKit", "_SaddleBenchmarkKernels"]),

    // MARK: - Tools
    .executableTarget(
      name: "saddle", dependencies: ["SaddleKit", "SaddleBenchmarks", "_SaddleBenchmarkKernels"]),

    // MARK: - Plugins (thin launchers of the saddle tool)
    .plugin(
      name: "Ablate",
      capability: .command(
        intent: .custom(verb: "ablate", description: "Run an ablation study (saddle study run)"),
        permissions: [.writeToPackageDirectory(reason: "the study writes its results")])),
    .plugin(
      name: "Benchmark",
      capability: .command(
        intent: .custom(verb: "benchmark", description: "Run saddle bench in a release build"))),

    // MARK: - Examples
    .executableTarget(
      name: "ComposeOptimizer", dependencies: ["SaddleKit"], path: "Examples/ComposeOptimizer"),
    .executableTarget(
      name: "DEOOnTransformer", dependencies: ["SaddleKit"], path: "Examples/DEOOnTransformer"),
    .executableTarget(
      name: "RegisterEstimator", dependencies: ["SaddleKit"], path: "Examples/RegisterEstimator"),
    .executableTarget(
      name: "AblationStudy", dependencies: ["SaddleKit"], path: "Examples/AblationStudy"),

    // MARK: - Tests
    .testTarget(name: "SaddleCoreTests", dependencies: ["SaddleCore"]),
    .testTarget(name: "SaddleTensorTests", dependencies: ["SaddleTensor"]),
    .testTarget(name: "SaddleModelsTests", dependencies: ["SaddleModels"]),
    .testTarget(name: "SaddleStudyTests", dependencies: ["SaddleStudy"]),
    .testTarget(name: "SaddleKitTests", dependencies: ["SaddleKit"]),
    .testTarget(name: "SaddleKitCTests", dependencies: ["SaddleKitC"]),
    .testTarget(name: "SaddleBenchmarksTests", dependencies: ["SaddleBenchmarks"]),
    // The command-line tool's own code (`@testable import saddle`): progress, formatting.
    .testTarget(name: "SaddleCLITests", dependencies: ["saddle"]),
  ],
  swiftLanguageModes: [.v6]
)
