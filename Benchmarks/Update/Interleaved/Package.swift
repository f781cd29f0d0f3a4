// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The SaddleKit checkout three levels up; SwiftPM names a path dependency after its directory.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("../../..").standardized

let package = Package(
  name: "InterleavedUpdate",
  dependencies: [.package(path: "../../..")],
  targets: [
    .executableTarget(
      name: "InterleavedUpdate",
      dependencies: [.product(name: "SaddleCore", package: root.lastPathComponent)])
  ],
  swiftLanguageModes: [.v5]
)
