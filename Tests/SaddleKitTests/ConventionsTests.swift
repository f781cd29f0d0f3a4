import Foundation
import Testing

/// The conventions users must know — float32, the optax options — are printed where they look.
@Suite("Conventions on the command line")
struct ConventionsTests {
  @Test("saddle --help and saddle list say float32")
  func float32IsStated() throws {
    let help = try runSaddle(["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("float32"))
    let list = try runSaddle(["list", "rules"])
    #expect(list.status == 0)
    #expect(list.stdout.hasPrefix("Parameters, optimizer state and update kernels are float32"))
  }

  @Test("saddle list shows the optax options of RMSProp and Adagrad with their defaults")
  func optaxOptionsListed() throws {
    let list = try runSaddle(["list", "rules"])
    let lines = list.stdout.split(separator: "\n").map(String.init)
    func parameters(of rule: String) -> [String] {
      guard let start = lines.firstIndex(where: { $0.hasPrefix("  \(rule) ") }) else { return [] }
      return Array(lines[(start + 1)...].prefix { $0.hasPrefix("      ") })
    }
    let rmsprop = parameters(of: "rmsprop")
    #expect(rmsprop.contains { $0.contains("epsilonInsideRoot = false") })
    #expect(rmsprop.contains { $0.contains("centered = false") })
    #expect(parameters(of: "adagrad").contains { $0.contains("epsilonInsideRoot = false") })
  }

  @Test("saddle run --seed S starts a closed-form problem 1e-8 off its saddle; seed 0 on it")
  func seededRunMoves() throws {
    func finalLoss(seed: String) throws -> String {
      let run = try runSaddle([
        "run", "--problem", "quartic-double-well", "--steps", "300", "--seed", seed,
        "--optimizer", #"[{"stage": "sgd", "learningRate": 0.1}]"#,
      ])
      #expect(run.status == 0, "\(run.stderr)")
      return run.stdout
    }
    let onSaddle = try finalLoss(seed: "0")
    let seeded = try finalLoss(seed: "1")
    // Gradient descent from exactly the saddle never moves; 1e-8 off it reaches f = −1/4.
    #expect(!onSaddle.contains("-0.2"))
    #expect(seeded.contains("-0.2499"))
  }
}
