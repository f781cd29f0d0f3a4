import Foundation
import PackagePlugin

/// `swift package ablate [CONFIG] [saddle study run options]`: builds `saddle` in release and
/// runs an ablation study (default: Studies/deo-ablation.json). A thin launcher.
@main
struct Ablate: CommandPlugin {
  func performCommand(context: PluginContext, arguments: [String]) async throws {
    let build = try packageManager.build(
      .product("saddle"), parameters: .init(configuration: .release, echoLogs: false))
    guard build.succeeded, let tool = build.builtArtifacts.first(where: { $0.kind == .executable })
    else {
      Diagnostics.error("building saddle failed:\n\(build.logText)")
      return
    }
    var rest = arguments
    var config = context.package.directoryURL.appendingPathComponent("Studies/deo-ablation.json")
      .path
    if let first = rest.first, !first.hasPrefix("-") {
      config = first
      rest.removeFirst()
    }
    let process = Process()
    process.executableURL = tool.url
    process.arguments = ["study", "run", config] + rest
    try process.run()
    process.waitUntilExit()
    if process.terminationStatus != 0 {
      Diagnostics.error("saddle study run exited with \(process.terminationStatus)")
    }
  }
}
