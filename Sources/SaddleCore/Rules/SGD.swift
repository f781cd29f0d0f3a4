/// Stochastic gradient descent: `d ← η(t)·d`.
///
/// Robbins & Monro (1951). Combined with the optimizer's `θ ← θ − d` this is `θ ← θ − η∇L`.
public struct SGD: ElementwiseUpdateRule {
  /// The learning rate `η` (constant or scheduled).
  public var learningRate: LearningRate

  /// Gradient descent with step `learningRate`.
  ///
  /// - Precondition: `learningRate` is valid (``LearningRate/validationProblem()`` is `nil`:
  ///   finite and ≥ 0 at every step).
  public init(learningRate: LearningRate) {
    precondition(
      learningRate.validationProblem() == nil,
      "SGD: invalid learning rate \(learningRate) (\(learningRate.validationProblem() ?? ""))")
    self.learningRate = learningRate
  }

  /// The number of updates made (drives the schedule).
  public struct State: Codable, Sendable, Equatable {
    /// Updates made so far.
    public var count = 0
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State { State() }

  public func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    let eta = learningRate.value(at: state.count)
    state.count += 1
    return Kernel(eta: Float(eta))
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "sgd.learningRate": learningRate.value(at: Swift.max(state.count - 1, 0)),
      "sgd.count": Double(state.count),
    ]
  }

  /// `d ← η·d`.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let eta: Float
    @inlinable init(eta: Float) { self.eta = eta }

    @inlinable @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      direction *= eta
    }

    @inlinable @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      direction *= eta
    }

    public func lower(into program: inout ElementwiseProgram) -> Bool {
      program.appendScale(eta)
    }
  }
}

extension SGD: SchemaDeclaring {
  /// The parameters of the `sgd` stage: name, default, accepted values, doc.
  public enum Parameters {
    /// `learningRate`: step size η: a number ≥ 0 or a schedule object.
    public static let learningRate = Parameter.learningRate(default: 1e-2)
  }

  /// `sgd` in specs and `saddle list`.
  public static let schema = StageSchema(
    "sgd", summary: "d ← η·g (Robbins & Monro 1951)",
    parameters: [Parameters.learningRate])

  /// Builds the stage from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    self.init(learningRate: try p.read(Parameters.learningRate))
  }
}
