/// Type-erased stages applied in order: what a JSON spec builds.
///
/// Presets registered by name are whole statically typed pipelines inside one
/// ``AnyUpdateRule``, so they keep their fused passes; erasure costs a dynamic call per stage
/// per step, not per element.
public struct DynamicChain: UpdateRule {
  /// The stages, in order.
  public var stages: [AnyUpdateRule]

  /// Stages applied in order.
  public init(_ stages: [AnyUpdateRule]) { self.stages = stages }

  public func makeState(for layout: ParameterLayout) -> [AnyRuleState] {
    makeState(for: layout, seed: 0)
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> [AnyRuleState] {
    stages.indices.map { stages[$0].makeState(for: layout, seed: mixSeed(seed, UInt64($0) + 1)) }
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout [AnyRuleState]
  ) {
    for i in stages.indices {
      stages[i].apply(to: &context, objective: &objective, state: &state[i])
    }
  }

  public func applyAndUpdateParameters(
    to context: inout StepContext, objective: inout Objective, state: inout [AnyRuleState]
  ) {
    var i = 0
    while i < stages.count {
      var j = i
      while j < stages.count && stages[j].isElementwise { j += 1 }
      if j - i >= 2 || (j - i == 1 && j == stages.count) {
        runBlocked(i..<j, context: &context, state: &state, updating: j == stages.count)
        i = j
      } else {
        stages[i].apply(to: &context, objective: &objective, state: &state[i])
        i += 1
      }
    }
    if !context.updateWritten { context.updateParameters() }
  }

  /// Elements per block: direction, parameters and a few state buffers of this size stay in
  /// the L1/L2 cache while every stage of the run passes over them.
  static let blockSize = 4096

  /// Runs consecutive elementwise stages block by block: each block of the direction goes
  /// through every stage (and the final update) while it is in cache, so erased stages cost
  /// about one pass over memory, like a statically fused chain.
  func runBlocked(
    _ run: Range<Int>, context: inout StepContext, state: inout [AnyRuleState], updating: Bool
  ) {
    var kernels: [BlockKernel] = []
    kernels.reserveCapacity(run.count)
    for k in run {
      kernels.append(stages[k].box.makeBlockKernel(for: context, state: &state[k])!)
    }
    let source = context.directionSource()
    let p = context.parameters.unsafeMutableBaseAddress()
    let count = context.parameters.count
    let d =
      updating && kernels.count == 1 ? source : context.directionStorage.unsafeMutableBaseAddress()
    let blockSize = Self.blockSize
    if updating && context.updateIsBlocked {
      context.updateWritten = true
      return
    }
    let scale = context.updateScale
    let body = { (range: Range<Int>) -> Int in
      var firstBad = -1
      var lo = range.lowerBound
      while lo < range.upperBound {
        let block = lo..<Swift.min(range.upperBound, lo + blockSize)
        var input = source
        for k in kernels.indices {
          if updating && k == kernels.count - 1 {
            let bad = kernels[k].update(input, p, block, scale)
            if bad >= 0 && firstBad < 0 { firstBad = bad }
          } else {
            kernels[k].apply(input, d, p, block)
            input = d
          }
        }
        lo = block.upperBound
      }
      return firstBad
    }
    let bad = firstNonFinite(count: count, body)
    if updating {
      context.firstNonFiniteUpdate = bad
      context.updateWritten = true
    }
    context.directionIsGradient = false
  }

  public func summary(of state: [AnyRuleState]) -> [String: Double] {
    var all: [String: Double] = [:]
    for i in stages.indices {
      for (k, v) in stages[i].summary(of: state[i]) where all[k] == nil { all[k] = v }
    }
    return all
  }
}

/// An optimizer built at run time (from a JSON spec).
public typealias DynamicOptimizer = Optimizer<DynamicChain>
