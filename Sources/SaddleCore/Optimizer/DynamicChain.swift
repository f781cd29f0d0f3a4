import Synchronization

/// Type-erased stages applied in order: what a JSON spec builds.
///
/// The executor plans an erased pipeline once — on its first step, per optimizer state — into
/// a block program: every run of consecutive erased elementwise stages (wrapped in `every`,
/// `after`, `segments` or `name` or not) becomes one blocked pass over memory, in which each
/// block of a few thousand elements goes through every stage in cache-resident scratch and
/// ends in `θ ← θ − d` when the run ends the pipeline. Other stages run as they are. The
/// program is reused every step: a step allocates nothing. Presets registered by name are
/// whole statically typed pipelines inside one ``AnyUpdateRule`` and keep their own plan.
public struct DynamicChain: UpdateRule {
  /// The stages, in order.
  public var stages: [AnyUpdateRule] {
    didSet { identity = ChainIdentity() }
  }

  /// Changes whenever the stages do, so a program planned for other stages is not reused.
  @usableFromInline var identity = ChainIdentity()

  /// Stages applied in order.
  public init(_ stages: [AnyUpdateRule]) { self.stages = stages }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> [AnyRuleState] {
    var offset = 0
    return stages.map { stage in
      defer { offset += stageCount(of: stage) }
      return makeChildState(stage, for: layout, base: seed, offset: offset)
    }
  }

  public func apply(
    to context: inout StepContext, objective: inout Objective, state: inout [AnyRuleState]
  ) {
    run(context: &context, objective: &objective, state: &state, last: false)
  }

  /// Runs the planned program; when `last`, a final run of elementwise stages also writes
  /// `θ ← θ − d` (otherwise the optimizer's final pass does).
  @usableFromInline
  func run(
    context: inout StepContext, objective: inout Objective, state: inout [AnyRuleState],
    last: Bool
  ) {
    let cached = plannedProgram(&context)
    // A copy of the state (a snapshot) shares the cached program; if another thread is
    // running it right now, this step uses a fresh one.
    let program =
      cached.busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
      ? cached : BlockProgram(stages: stages, identity: identity)
    defer { if program === cached { cached.busy.store(false, ordering: .releasing) } }
    for group in program.groups {
      switch group {
      case .stage(let i):
        if last && i == stages.count - 1 {
          stages[i].runAsLastStage(context: &context, objective: &objective, state: &state[i])
        } else {
          stages[i].apply(to: &context, objective: &objective, state: &state[i])
        }
      case .blocked(let run, let lanes):
        runBlocked(
          run, lanes: lanes, program: program, context: &context, state: &state,
          updating: last && run.upperBound == stages.count)
      }
    }
  }

  /// The program cached in `context`, planned now if there is none for these stages.
  func plannedProgram(_ context: inout StepContext) -> BlockProgram {
    if let cache = context.program, let program = cache.program as? BlockProgram,
      program.identity === identity
    {
      return program
    }
    let program = BlockProgram(stages: stages, identity: identity)
    context.program = ProgramCache(program)
    return program
  }

  /// Elements per block: a block of the direction and of every buffer the stages touch stays
  /// in the L1/L2 cache while all the stages of the run pass over it.
  static let blockSize = 1024

  /// Runs the erased elementwise stages `run` as one blocked pass.
  func runBlocked(
    _ run: Range<Int>, lanes: [ErasedLanes], program: BlockProgram,
    context: inout StepContext, state: inout [AnyRuleState], updating: Bool
  ) {
    var lastActive = -1
    for (k, stage) in run.enumerated() {
      let active = lanes[k].prepare(context, &state[stage])
      program.active[k] = active
      if active { lastActive = k }
    }
    if updating && context.updateIsBlocked {
      context.updateWritten = true
      return
    }
    if !updating && lastActive < 0 { return }
    let count = context.parameters.count
    let source = context.directionSource()
    let p = context.parameters.unsafeMutableBaseAddress()
    let d = context.directionStorage.unsafeMutableBaseAddress()
    let scale = context.updateScale
    let threads = Kernels.threadCount
    // Built-in stages only: the same C program as the statically typed pipeline.
    var lowered = ElementwiseProgram()
    if (0..<lanes.count).allSatisfy({ !program.active[$0] || lanes[$0].lower(&lowered) }) {
      context.passCount &+= 1
      if updating {
        context.firstNonFiniteUpdate = Kernels.parallelFirstIndex(count, threads: threads) {
          range, _ in
          lowered.update(source: source, parameters: p, range: range, scale: scale)
        }
        context.updateWritten = true
      } else {
        Kernels.parallelFor(count) { range in
          lowered.apply(source: source, direction: d, parameters: p, range: range)
        }
      }
      context.directionIsGradient = false
      return
    }
    let scratch = program.scratch(workers: threads)
    let active = program.active
    let blockSize = Self.blockSize
    context.passCount &+= 1
    let bad = Kernels.parallelFirstIndex(count, threads: threads) { range, worker in
      let ping = scratch + worker * 2 * blockSize
      let pong = ping + blockSize
      var firstBad = -1
      var lo = range.lowerBound
      while lo < range.upperBound {
        let block = lo..<Swift.min(range.upperBound, lo + blockSize)
        var input = source
        var output = ping - lo
        var spare = pong - lo
        var updated = false
        for k in 0..<lanes.count where active[k] {
          if k == lastActive && updating, let update = lanes[k].update {
            let b = update(input, p, block, scale)
            if b >= 0 && firstBad < 0 { firstBad = b }
            updated = true
            break
          }
          lanes[k].apply(input, output, p, block)
          input = output
          swap(&output, &spare)
        }
        if updating && !updated {
          let b = fusedUpdatePass(Identity.Kernel(), input, p, block, scale: scale)
          if b >= 0 && firstBad < 0 { firstBad = b }
        } else if !updating {
          (d + block.lowerBound).update(from: input + block.lowerBound, count: block.count)
        }
        lo = block.upperBound
      }
      return firstBad
    }
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

extension DynamicChain: StageContainer {
  var leafStageCount: Int { stages.reduce(0) { $0 + stageCount(of: $1) } }
}

/// An identity token for a ``DynamicChain``'s stages.
@usableFromInline
final class ChainIdentity: Sendable {
  @usableFromInline init() {}
}

/// Holds a planned program in a ``StepContext`` (not encoded; rebuilt after decoding).
@usableFromInline
package final class ProgramCache: @unchecked Sendable {
  let program: AnyObject
  init(_ program: AnyObject) { self.program = program }
}

/// A ``DynamicChain`` planned into groups: single stages and blocked runs of erased
/// elementwise stages, with their lane programs and per-worker scratch blocks.
final class BlockProgram {
  enum Group {
    case stage(Int)
    case blocked(Range<Int>, [ErasedLanes])
  }

  let identity: ChainIdentity
  let groups: [Group]
  /// Set while a step runs the program.
  let busy = Atomic<Bool>(false)
  /// Whether each stage of the run being executed acts in this step.
  let active: UnsafeMutablePointer<Bool>
  private var scratchBuffer: UnsafeMutablePointer<Float>?
  private var scratchWorkers = 0

  init(stages: [AnyUpdateRule], identity: ChainIdentity) {
    self.identity = identity
    var groups: [Group] = []
    var i = 0
    var longest = 1
    while i < stages.count {
      var j = i
      var lanes: [ErasedLanes] = []
      while j < stages.count, let make = stages[j].box.makeLanes {
        lanes.append(make())
        j += 1
      }
      if lanes.isEmpty {
        groups.append(.stage(i))
        i += 1
      } else {
        groups.append(.blocked(i..<j, lanes))
        longest = Swift.max(longest, lanes.count)
        i = j
      }
    }
    self.groups = groups
    active = .allocate(capacity: longest)
    active.initialize(repeating: false, count: longest)
  }

  /// Two blocks of scratch per worker (allocated once, grown if the thread count grows).
  func scratch(workers: Int) -> UnsafeMutablePointer<Float> {
    if scratchWorkers < workers || scratchBuffer == nil {
      scratchBuffer?.deallocate()
      scratchBuffer = .allocate(capacity: Swift.max(1, workers) * 2 * DynamicChain.blockSize)
      scratchWorkers = Swift.max(1, workers)
    }
    return scratchBuffer!
  }

  deinit {
    active.deallocate()
    scratchBuffer?.deallocate()
  }
}

/// An optimizer built at run time (from a JSON spec).
public typealias DynamicOptimizer = Optimizer<DynamicChain>
