import Foundation
import SaddleCore

extension StudyReport {
  /// Writes every report file into the study `directory`: `report.md`, `report.csv`,
  /// `per-seed.csv`, `paired.csv`, `profiles.csv` (all byte-identical across runs, shards and
  /// machines), `timing.csv` (wall-clock seconds per row from `timing/<key>.json`) and
  /// `provenance.json` (version, commit, config hash, machine, date). Returns the Markdown.
  @discardableResult
  public func write(
    to directory: URL, title: String,
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> String {
    let markdown = self.markdown(title: title)
    func put(_ text: String, _ name: String) throws {
      try FileOutput.write(Data(text.utf8), to: directory.appendingPathComponent(name).path)
    }
    try put(markdown, "report.md")
    try put(csv(), "report.csv")
    try put(perSeedCSV(), "per-seed.csv")
    try put(pairedCSV(), "paired.csv")
    try put(profilesCSV(), "profiles.csv")
    try put(TimingTable(timings: try TimingTable.read(directory), report: self).csv(), "timing.csv")
    let configData =
      FileManager.default.contents(atPath: directory.appendingPathComponent("study.json").path)
      ?? Data()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let provenance = Provenance.current(configData: configData, environment: environment)
    try FileOutput.write(
      try encoder.encode(provenance) + Data("\n".utf8),
      to: directory.appendingPathComponent("provenance.json").path)
    return markdown
  }
}
