import Foundation
import Testing

@testable import saddle

@Suite("The default study")
struct DefaultStudyTests {
  @Test("the embedded default study is Studies/deo-ablation.json byte for byte")
  func embeddedStudyMatchesFile() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let file = try String(
      contentsOf: root.appendingPathComponent("Studies/deo-ablation.json"), encoding: .utf8)
    #expect(
      defaultStudyJSON == file,
      "Sources/saddle/DefaultStudy.swift is stale: run python3 scripts/generate-default-study.py")
  }
}
