/// Two stages applied one after the other: `first`, then `second`.
///
/// The builder folds a block of stages into nested chains. When both sides are elementwise it
/// builds a ``FusedChain`` instead, which runs as one pass over memory. A `Chain` written by
/// hand runs its stages one after the other (a pass each for elementwise stages); when its
/// second stage is elementwise the optimizer still fuses that stage with the final update.
public struct Chain<First: UpdateRule, Second: UpdateRule>: UpdateRule {
  /// The stage applied first.
  public var first: First
  /// The stage applied second.
  public var second: Second

  /// `first` followed by `second`.
  @inlinable
  public init(_ first: First, _ second: Second) {
    self.first = first
    self.second = second
  }

  public typealias State = ChainState<First.State, Second.State>

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(
      first: makeChildState(first, for: layout, base: seed),
      second: makeChildState(second, for: layout, base: seed, offset: stageCount(of: first)))
  }

  @inlinable
  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    first.apply(to: &context, objective: &objective, state: &state.first)
    second.apply(to: &context, objective: &objective, state: &state.second)
  }

  public func summary(of state: State) -> [String: Double] {
    first.summary(of: state.first).merging(second.summary(of: state.second)) { a, _ in a }
  }
}

/// The state of a ``Chain`` or ``FusedChain``: both sides' states.
public struct ChainState<First: Codable & Sendable, Second: Codable & Sendable>: Codable,
  Sendable
{
  /// The first stage's state.
  public var first: First
  /// The second stage's state.
  public var second: Second

  /// Both states.
  public init(first: First, second: Second) {
    self.first = first
    self.second = second
  }
}

extension ChainState: Equatable where First: Equatable, Second: Equatable {}

/// Two elementwise stages composed into one elementwise stage: the kernel of `second` applied
/// to the output of the kernel of `first`, lane by lane, in a single pass.
public struct FusedChain<First: ElementwiseUpdateRule, Second: ElementwiseUpdateRule>:
  ElementwiseUpdateRule
{
  /// The stage applied first.
  public var first: First
  /// The stage applied second.
  public var second: Second

  /// `first` followed by `second`, fused.
  @inlinable
  public init(_ first: First, _ second: Second) {
    self.first = first
    self.second = second
  }

  public typealias State = ChainState<First.State, Second.State>

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(
      first: makeChildState(first, for: layout, base: seed),
      second: makeChildState(second, for: layout, base: seed, offset: stageCount(of: first)))
  }

  @inlinable
  public func makeKernel(for context: StepContext, state: inout State) -> Kernel {
    Kernel(
      first: first.makeKernel(for: context, state: &state.first),
      second: second.makeKernel(for: context, state: &state.second))
  }

  public func summary(of state: State) -> [String: Double] {
    first.summary(of: state.first).merging(second.summary(of: state.second)) { a, _ in a }
  }

  /// The composed kernel.
  public struct Kernel: ElementwiseKernel {
    @usableFromInline let first: First.Kernel
    @usableFromInline let second: Second.Kernel

    @inlinable
    init(first: First.Kernel, second: Second.Kernel) {
      self.first = first
      self.second = second
    }

    @inlinable
    @inline(__always)
    public func apply(_ direction: inout SIMD8<Float>, parameters: SIMD8<Float>, at index: Int) {
      first.apply(&direction, parameters: parameters, at: index)
      second.apply(&direction, parameters: parameters, at: index)
    }

    @inlinable
    @inline(__always)
    public func apply(_ direction: inout Float, parameter: Float, at index: Int) {
      first.apply(&direction, parameter: parameter, at: index)
      second.apply(&direction, parameter: parameter, at: index)
    }

    public func lower(into program: inout ElementwiseProgram) -> Bool {
      first.lower(into: &program) && second.lower(into: &program)
    }
  }
}

/// Derives a child seed from a parent seed and a position (SplitMix64 finalizer).
@inlinable
public func mixSeed(_ seed: UInt64, _ salt: UInt64) -> UInt64 {
  var z = seed &+ salt &* 0x9E37_79B9_7F4A_7C15
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

extension Chain: StageContainer {
  var leafStageCount: Int { stageCount(of: first) + stageCount(of: second) }
}

extension FusedChain: StageContainer {
  var leafStageCount: Int { stageCount(of: first) + stageCount(of: second) }
}
