import Foundation

/// A learning rate: a constant or a schedule `η(t)` of the rule's own update count `t`
/// (from 0, as optax counts).
///
/// Schedules (optax / PyTorch definitions):
/// - `constant(η)`: `η`.
/// - `step(η, every: k, factor: γ)`: `η·γ^⌊t/k⌋`.
/// - `exponential(η, rate: γ)`: `η·γ^t`.
/// - `cosine(η, steps: T, final: α)`: `η·(α + (1 − α)·½(1 + cos(π·min(t, T)/T)))`.
/// - `warmup(η, steps: W)`: `η·min(1, (t + 1)/W)` (linear warm-up, then constant).
/// - `warmupCosine(η, warmup: W, steps: T, final: α)`: linear warm-up to `η` over `W` updates,
///   then cosine decay over the remaining `T − W` to `α·η`.
/// - `linear(from: a, to: b, steps: T)`: `a + (b − a)·min(t, T)/T`.
public enum LearningRate: Sendable, Equatable, Codable, ExpressibleByFloatLiteral,
  ExpressibleByIntegerLiteral
{
  /// `η` at every update.
  case constant(Double)
  /// `η·γ^⌊t/k⌋`: multiplied by `factor` every `every` updates.
  case step(Double, every: Int, factor: Double)
  /// `η·γ^t`.
  case exponential(Double, rate: Double)
  /// `η·(α + (1 − α)·½(1 + cos(π·min(t, T)/T)))`: cosine decay to `final·η` over `steps`.
  case cosine(Double, steps: Int, final: Double)
  /// `η·min(1, (t + 1)/W)`: linear warm-up over `steps` updates, then constant.
  case warmup(Double, steps: Int)
  /// Linear warm-up to `η` over `warmup` updates, then cosine decay to `final·η` at `steps`.
  case warmupCosine(Double, warmup: Int, steps: Int, final: Double)
  /// `a + (b − a)·min(t, T)/T`.
  case linear(from: Double, to: Double, steps: Int)

  /// A constant rate from a literal.
  public init(floatLiteral value: Double) { self = .constant(value) }
  /// A constant rate from an integer literal.
  public init(integerLiteral value: Int) { self = .constant(Double(value)) }

  /// `η(t)`.
  public func value(at t: Int) -> Double {
    switch self {
    case .constant(let eta):
      return eta
    case .step(let eta, let k, let gamma):
      return eta * pow(gamma, Double(t / Swift.max(k, 1)))
    case .exponential(let eta, let gamma):
      return eta * pow(gamma, Double(t))
    case .cosine(let eta, let steps, let alpha):
      let progress = Double(Swift.min(t, steps)) / Double(Swift.max(steps, 1))
      return eta * (alpha + (1 - alpha) * 0.5 * (1 + cos(Double.pi * progress)))
    case .warmup(let eta, let steps):
      return eta * Swift.min(1, Double(t + 1) / Double(Swift.max(steps, 1)))
    case .warmupCosine(let eta, let warmup, let steps, let alpha):
      if t < warmup { return eta * Double(t + 1) / Double(warmup) }
      let decay = Swift.max(steps - warmup, 1)
      let progress = Double(Swift.min(t - warmup, decay)) / Double(decay)
      return eta * (alpha + (1 - alpha) * 0.5 * (1 + cos(Double.pi * progress)))
    case .linear(let a, let b, let steps):
      return a + (b - a) * Double(Swift.min(t, steps)) / Double(Swift.max(steps, 1))
    }
  }

  /// The rate at `t = 0` (the peak for every schedule but `linear` and `warmup`).
  public var initialValue: Double { value(at: 0) }

  /// Every value the schedule can take is finite and non-negative, and its integer
  /// parameters are positive; otherwise the name of the offending field.
  public func validationProblem() -> String? {
    func bad(_ x: Double) -> Bool { !x.isFinite || x < 0 }
    switch self {
    case .constant(let eta): return bad(eta) ? "learningRate" : nil
    case .step(let eta, let k, let gamma):
      return bad(eta) ? "learningRate" : k < 1 ? "every" : bad(gamma) ? "factor" : nil
    case .exponential(let eta, let gamma):
      return bad(eta) ? "learningRate" : bad(gamma) ? "rate" : nil
    case .cosine(let eta, let steps, let alpha):
      return bad(eta) ? "learningRate" : steps < 1 ? "steps" : bad(alpha) ? "final" : nil
    case .warmup(let eta, let steps):
      return bad(eta) ? "learningRate" : steps < 1 ? "steps" : nil
    case .warmupCosine(let eta, let w, let steps, let alpha):
      return bad(eta)
        ? "learningRate" : w < 0 ? "warmup" : steps < 1 ? "steps" : bad(alpha) ? "final" : nil
    case .linear(let a, let b, let steps):
      return bad(a) ? "from" : bad(b) ? "to" : steps < 1 ? "steps" : nil
    }
  }
}

/// `η·(α + (1 − α)·½(1 + cos(π·min(t, T)/T)))` (optax `cosine_decay_schedule`).
public func cosine(_ peak: Double, steps: Int, final: Double = 0) -> LearningRate {
  .cosine(peak, steps: steps, final: final)
}
