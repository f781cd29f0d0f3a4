// swift-tools-version: 6.1
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
    .executable(name: "saddle", targets: ["saddle"]),
  ],
  targets: [
    // MARK: - Libraries
    .target(name: "SaddleCore"),
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

    // MARK: - Tools
    .executableTarget(name: "saddle", dependencies: ["SaddleKit"]),

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

    // MARK: - Tests
    .testTarget(name: "SaddleCoreTests", dependencies: ["SaddleCore"]),
    .testTarget(name: "SaddleTensorTests", dependencies: ["SaddleTensor"]),
    .testTarget(name: "SaddleModelsTests", dependencies: ["SaddleModels"]),
    .testTarget(name: "SaddleStudyTests", dependencies: ["SaddleStudy"]),
    .testTarget(name: "SaddleKitTests", dependencies: ["SaddleKit"]),
  ],
  swiftLanguageModes: [.v6]
)
