import Foundation
import PackagePlugin

/// `swift package benchmark [update|transformer] [options]`: builds `saddle` in release and runs
/// `saddle bench`. A thin launcher.
@main
struct Benchmark: CommandPlugin {
  func performCommand(context: PluginContext, arguments: [String]) async throws {
    let build = try packageManager.build(
      .product("saddle"), parameters: .init(configuration: .release, echoLogs: false))
    guard build.succeeded, let tool = build.builtArtifacts.first(where: { $0.kind == .executable })
    else {
      Diagnostics.error("building saddle failed:\n\(build.logText)")
      return
    }
    let process = Process()
    process.executableURL = tool.url
    process.arguments = ["bench"] + (arguments.isEmpty ? ["update"] : arguments)
    try process.run()
    process.waitUntilExit()
    if process.terminationStatus != 0 {
      Diagnostics.error("saddle bench exited with \(process.terminationStatus)")
    }
  }
}
