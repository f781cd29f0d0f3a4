import SaddleKit

/// The benchmark's user-defined elementwise rule, written as code outside SaddleKit would write
/// it (public API only, no `@inlinable`): momentum divided elementwise by its magnitude, a
/// smooth form of signSGD with momentum ("Signum", Bernstein et al. 2018, Algorithm 3),
///
///     m ← β·m + (1 − β)·g,    d ← η · m / (|m| + ε).
///
/// `saddle bench update` times it built in the DSL (`Optimizer { SoftSignMomentum() }`) and from
/// a JSON spec through a registry it was added to (``SoftSignMomentum/register(in:)``).
public struct SoftSignMomentum: ElementwiseUpdateRule {
  /// The step size `η`.
  public var learningRate: Double
  /// The momentum decay `β`.
  public var beta: Double
  /// The softening `ε` of the sign.
  public var epsilon: Double

  /// The rule with step size `learningRate`, decay `beta` and softening `epsilon`.
  public init(learningRate: Double = 1e-3, beta: Double = 0.9, epsilon: Double = 1e-3) {
    self.learningRate = learningRate
    self.beta = beta
    self.epsilon = epsilon
  }

  /// The momentum `m`.
  public struct State: Codable, Sendable {
    /// One value per parameter.
    public var momentum: ParameterVector
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(momentum: ParameterVector(count: layout.count))
  }

  public func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    Kernel(
      m: state.momentum.unsafeMutableBaseAddress(), beta: Float(beta),
      oneMinusBeta: Float(1 - beta), learningRate: Float(learningRate),
      epsilon: Float(epsilon))
  }

  /// One step's kernel: `m ← βm + (1 − β)d`, `d ← η·m/(|m| + ε)`.
  public struct Kernel: ElementwiseKernel {
    let m: UnsafeMutablePointer<Float>
    let beta: Float
    let oneMinusBeta: Float
    let learningRate: Float
    let epsilon: Float

    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      let mv = beta * loadLanes(m, index) + oneMinusBeta * direction
      storeLanes(mv, m, index)
      let magnitude = mv.replacing(with: -mv, where: mv .< 0)
      direction = learningRate * mv / (magnitude + epsilon)
    }

    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      let mv = beta * m[index] + oneMinusBeta * direction
      m[index] = mv
      direction = learningRate * mv / (abs(mv) + epsilon)
    }
  }

  /// The name the rule has in a JSON spec.
  public static let specName = "soft-sign-momentum"

  /// Adds the rule to `registry` under ``specName`` (defaults only: the stage takes no fields).
  public static func register(in registry: inout Registry) {
    registry.register(
      rule: specName, summary: "d ← η·m/(|m| + ε), m ← βm + (1 − β)g", scalesStep: true
    ) { _ in SoftSignMomentum() }
  }
}
