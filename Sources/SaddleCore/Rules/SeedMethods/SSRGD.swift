/// SSRGD after Li (2019), "SSRGD: Simple Stochastic Recursive Gradient Descent for Escaping
/// Saddle Points" (NeurIPS 2019, pp. 1523–1533; arXiv 1904.09265; seed 001): its finite-sum
/// algorithm and the online form (large-batch anchors), as one whole-optimizer stage (preset
/// `ssrgd`). The text read (abstract and the start of the introduction) states the method
/// as "a simple perturbed version of stochastic recursive gradient descent" that adds "a
/// uniform perturbation sometimes", extended "from nonconvex finite-sum problems to nonconvex
/// online (expectation) problems", with target an `(ε, δ)`-second-order stationary point,
/// `‖∇f(x)‖ ≤ ε` and `λ_min(∇²f(x)) ≥ −δ`. The algorithm box was not reachable: the super-epoch
/// details below and the algorithm/equation numbers are not verified against it (algorithm
/// numbering not verified).
///
/// Epochs: at each epoch start the anchor gradient `v = ∇f(x)` is fresh — the **full**
/// gradient (finite-sum form) or a fresh large batch `∇f_B(x)`, `|B| = B` (online form).
/// Within an epoch, `x_t = x_{t−1} − ηv_{t−1}` and the recursive (SARAH/SPIDER) estimator
/// `v_t = (1/b)Σ_{i∈I_b}(∇fᵢ(x_t) − ∇fᵢ(x_{t−1})) + v_{t−1}` on a fresh minibatch `I_b` (drawn
/// with replacement). Epoch length: `m`, or (``randomEpochLength``, the default) a length drawn
/// uniformly from `{1, …, m}` at every epoch start.
///
/// Super-epochs (the escape mechanism): when not in a super-epoch and the anchor gradient has
/// `‖v‖ ≤ g_thres`, record `x̃ = x`, `t_init = t`, perturb `x ← x̃ + ξ`, `ξ ~ U(B(0, r))`, and
/// start a super-epoch (with a fresh anchor gradient at the perturbed point). During it, each
/// iterate is tested: if `f(x̃) − f(x_t) ≥ f_thres` the iterate has escaped — the super-epoch
/// ends and a new epoch starts at `x_t`; otherwise, once `t − t_init ≥ t_thres`, the algorithm
/// **returns `x̃`** as an approximate second-order stationary point: the parameters are reset
/// to `x̃` and stay there (every later step is free and moves nothing; ``State/returned``).
/// In the online form `f` in the test is the loss on one batch of `B` components drawn at the
/// super-epoch start.
///
/// Costs (the paper's accounting, via ``FiniteSumModel`` and ``ComponentLedger``): a component
/// gradient costs `1/n` of a gradient, so an in-epoch step costs `2b/n` g, an anchor 1 g
/// (finite sum) or `B/n` g (online), and each super-epoch test 1 ℓ (finite sum) or `B/n` ℓ.
/// The stage declares ``StepOracle/nothing``: the optimizer makes no evaluation of its own;
/// `context.loss` (the step's reported loss) is the latest loss this stage computed at the
/// current parameters (full, batch or minibatch). On a model that is not a
/// ``FiniteSumModel`` the objective on the step's batch is the single component (`n = 1`).
public struct SSRGD: UpdateRule, StepOracleDeclaring, Sendable {
  /// Where an epoch's anchor gradient comes from.
  public enum Form: Sendable, Hashable, Codable {
    /// The full gradient (finite-sum form).
    case finiteSum
    /// A fresh batch of `batchSize` components (online form).
    case online(batchSize: Int)
  }

  /// The step `η`.
  public var learningRate: LearningRate
  /// The epoch length `m ≥ 1` (the maximum when ``randomEpochLength``).
  public var epochLength: Int
  /// Whether each epoch's length is drawn uniformly from `{1, …, m}`.
  public var randomEpochLength: Bool
  /// The minibatch size `b ≥ 1`.
  public var minibatchSize: Int
  /// Finite-sum or online anchors.
  public var form: Form
  /// `g_thres ≥ 0`.
  public var gradientThreshold: Double
  /// The perturbation radius `r ≥ 0`.
  public var radius: Double
  /// `f_thres > 0`: the decrease from `f(x̃)` that counts as an escape.
  public var escapeThreshold: Double
  /// `t_thres ≥ 1`: super-epoch iterations before `x̃` is returned.
  public var escapeSteps: Int

  /// SSRGD; see the type's documentation for the parameters' roles.
  public init(
    learningRate: LearningRate, epochLength: Int = SSRGD.Parameters.epochLength.default,
    randomEpochLength: Bool = SSRGD.Parameters.randomEpochLength.default,
    minibatchSize: Int = SSRGD.Parameters.minibatchSize.default, form: Form = .finiteSum,
    gradientThreshold: Double = SSRGD.Parameters.gradientThreshold.default,
    radius: Double = SSRGD.Parameters.radius.default,
    escapeThreshold: Double = SSRGD.Parameters.escapeThreshold.default,
    escapeSteps: Int = SSRGD.Parameters.escapeSteps.default
  ) {
    precondition(epochLength >= 1, "SSRGD: epochLength must be ≥ 1")
    precondition(minibatchSize >= 1, "SSRGD: minibatchSize must be ≥ 1")
    if case .online(let size) = form { precondition(size >= 1, "SSRGD: batchSize must be ≥ 1") }
    precondition(gradientThreshold >= 0 && radius >= 0, "SSRGD: thresholds must be ≥ 0")
    precondition(escapeThreshold > 0 && escapeThreshold.isFinite, "SSRGD: f_thres must be > 0")
    precondition(escapeSteps >= 1, "SSRGD: t_thres must be ≥ 1")
    self.learningRate = learningRate
    self.epochLength = epochLength
    self.randomEpochLength = randomEpochLength
    self.minibatchSize = minibatchSize
    self.form = form
    self.gradientThreshold = gradientThreshold
    self.radius = radius
    self.escapeThreshold = escapeThreshold
    self.escapeSteps = escapeSteps
  }

  /// The optimizer evaluates nothing: SSRGD uses its own full, batch and minibatch oracles.
  public var stepOracle: StepOracle { .nothing }

  /// Everything SSRGD carries between iterations (checkpointed, except scratch buffers).
  public struct State: Codable, Sendable {
    /// `v_{t−1}`, or `nil` before the first step.
    public var estimate: ParameterVector?
    /// `x_{t−1}` (the minibatch's second point).
    public var previous: ParameterVector?
    /// `x̃`, the point where the current (or last) super-epoch started.
    public var anchor: ParameterVector?
    /// `f(x̃)` (full, or on ``superBatch`` in the online form); `nil` before the first
    /// super-epoch.
    public var anchorLoss: Double?
    /// The iteration `t` (the number of iterates so far).
    public var iteration = 0
    /// `t_init`.
    public var superEpochStart = 0
    /// Whether a super-epoch is running.
    public var inSuperEpoch = false
    /// Whether `x̃` was returned (the optimizer no longer moves).
    public var returned = false
    /// Iterations into the current epoch.
    public var epochPosition = 0
    /// The current epoch's length (random when `randomEpochLength`).
    public var currentEpochLength = 0
    /// Epochs so far.
    public var epochs = 0
    /// Super-epochs (perturbation episodes) so far.
    public var superEpochs = 0
    /// Escapes so far (`f(x̃) − f(x_t) ≥ f_thres` within a super-epoch).
    public var escapes = 0
    /// The online form's batch for the super-epoch's function-value test.
    public var superBatch: [Int] = []
    /// Component evaluations not yet billed.
    public var ledger = ComponentLedger()
    /// Minibatch sampling and perturbations.
    public var generator: SeededGenerator
    var current: ParameterVector?
    var past: ParameterVector?
    var noise: ParameterVector?
    var indices: [Int] = []

    enum CodingKeys: String, CodingKey {
      case estimate, previous, anchor, anchorLoss, iteration, superEpochStart, inSuperEpoch
      case returned, epochPosition, currentEpochLength, epochs, superEpochs, escapes
      case superBatch, ledger, generator
    }

    init(generator: SeededGenerator) { self.generator = generator }
  }

  public func makeState(for layout: ParameterLayout, seed: UInt64) -> State {
    State(generator: SeededGenerator(seed: mixSeed(seed, 0x55_26D)))
  }

  public func apply(to context: inout StepContext, objective: inout Objective, state: inout State) {
    let n = context.parameters.count
    prepareScratch(&state.current, count: n)
    prepareScratch(&state.past, count: n)
    if state.returned {
      context.parameters.assign(state.anchor!)
      context.loss = state.anchorLoss ?? .nan
      context.direction.fill(with: 0)
      return
    }
    if state.estimate?.count != n {
      state.estimate = ParameterVector(count: n)
      state.previous = ParameterVector(count: n)
      startEpoch(&context, &objective, &state)
    } else {
      state.iteration += 1
      state.epochPosition += 1
      var endEpoch = state.epochPosition >= state.currentEpochLength
      if state.inSuperEpoch {
        let f = functionValue(at: context.parameters, &objective, &state)
        context.loss = f
        if (state.anchorLoss ?? .infinity) - f >= escapeThreshold {
          state.inSuperEpoch = false
          state.escapes += 1
          endEpoch = true
        } else if state.iteration - state.superEpochStart >= escapeSteps {
          state.returned = true
          context.parameters.assign(state.anchor!)
          context.loss = state.anchorLoss ?? .nan
          context.direction.fill(with: 0)
          context.metrics["ssrgd.returned"] = 1
          return
        }
      }
      if endEpoch {
        startEpoch(&context, &objective, &state)
      } else {
        Self.sample(
          &state.indices, count: minibatchSize, from: objective.componentCount, &state.generator)
        let loss = objective.minibatchLossAndGradient(
          at: context.parameters, components: state.indices, into: &state.current!,
          ledger: &state.ledger)
        _ = objective.minibatchLossAndGradient(
          at: state.previous!, components: state.indices, into: &state.past!,
          ledger: &state.ledger)
        state.estimate!.add(state.current!)
        state.estimate!.add(state.past!, scaledBy: -1)
        state.previous!.assign(context.parameters)
        if !state.inSuperEpoch { context.loss = loss }
      }
    }
    if !context.loss.isFinite { context.reportNonFinite(.loss, stage: "ssrgd") }
    if !state.estimate!.isFinite { context.reportNonFinite(.gradient, stage: "ssrgd") }
    let eta = learningRate.value(at: state.iteration)
    context.direction.assign(state.estimate!)
    context.direction.scale(by: Float(eta))
    context.metrics["ssrgd.superEpoch"] = state.inSuperEpoch ? 1 : 0
  }

  /// An epoch start at the current parameters: a fresh anchor gradient, and the super-epoch
  /// entry test (`‖v‖ ≤ g_thres` → record `x̃`, perturb, re-anchor).
  private func startEpoch(
    _ context: inout StepContext, _ objective: inout Objective, _ state: inout State
  ) {
    var loss = anchorGradient(at: context.parameters, &objective, &state)
    if !state.inSuperEpoch && state.estimate!.norm <= gradientThreshold {
      prepareScratch(&state.anchor, count: context.parameters.count)
      state.anchor!.assign(context.parameters)
      if case .online(let size) = form {
        Self.sample(
          &state.superBatch, count: size, from: objective.componentCount, &state.generator)
        state.anchorLoss = objective.minibatchLoss(
          at: context.parameters, components: state.superBatch, ledger: &state.ledger)
      } else {
        state.anchorLoss = loss
      }
      state.superEpochStart = state.iteration
      state.inSuperEpoch = true
      state.superEpochs += 1
      prepareScratch(&state.noise, count: context.parameters.count)
      fillUniformBall(&state.noise!, radius: radius, using: &state.generator)
      state.noise!.add(context.parameters)
      guard state.noise!.isFinite else {
        context.reportNonFinite(.update, stage: "ssrgd")
        return
      }
      context.parameters.assign(state.noise!)
      loss = anchorGradient(at: context.parameters, &objective, &state)
      context.metrics["perturbed"] = 1
    }
    context.loss = loss
    state.previous!.assign(context.parameters)
    state.epochPosition = 0
    state.currentEpochLength =
      randomEpochLength ? 1 + Int(state.generator.next() % UInt64(epochLength)) : epochLength
    state.epochs += 1
  }

  /// `v ← ∇f(x)` (full) or `∇f_B(x)` (fresh batch); returns the matching loss.
  private func anchorGradient(
    at x: ParameterVector, _ objective: inout Objective, _ state: inout State
  ) -> Double {
    switch form {
    case .finiteSum:
      return objective.lossAndGradient(at: x, into: &state.estimate!)
    case .online(let size):
      Self.sample(&state.indices, count: size, from: objective.componentCount, &state.generator)
      return objective.minibatchLossAndGradient(
        at: x, components: state.indices, into: &state.estimate!, ledger: &state.ledger)
    }
  }

  /// `f(x_t)` for the super-epoch test: full, or on the super-epoch's batch.
  private func functionValue(
    at x: ParameterVector, _ objective: inout Objective, _ state: inout State
  ) -> Double {
    switch form {
    case .finiteSum: return objective.loss(at: x)
    case .online:
      return objective.minibatchLoss(at: x, components: state.superBatch, ledger: &state.ledger)
    }
  }

  /// `count` indices drawn uniformly with replacement from `0..<n`.
  private static func sample(
    _ out: inout [Int], count: Int, from n: Int, _ generator: inout SeededGenerator
  ) {
    out.removeAll(keepingCapacity: true)
    for _ in 0..<count { out.append(Int(generator.next() % UInt64(n))) }
  }

  public func summary(of state: State) -> [String: Double] {
    [
      "ssrgd.epochs": Double(state.epochs), "ssrgd.superEpochs": Double(state.superEpochs),
      "ssrgd.escapes": Double(state.escapes), "ssrgd.returned": state.returned ? 1 : 0,
    ]
  }
}

extension SSRGD: SchemaDeclaring {
  /// The parameters of the `ssrgd` preset (Li 2019's names in the docs).
  public enum Parameters {
    /// `form`: the finite-sum form (full gradients) or the online form (batches).
    public static let form = Parameter.choice(
      "form", default: "finite-sum", from: ["finite-sum", "online"],
      doc: "full gradients at epoch starts (finite-sum, Algorithm 2) or batches (online)")
    /// `batchSize`: the online form's batch `B`.
    public static let batchSize = Parameter.integer(
      "batchSize", default: 100, in: .atLeast(1), doc: "online batch B (form = online)")
    /// `learningRate`: η.
    public static let learningRate = Parameter.learningRate(default: 1e-2)
    /// `epochLength`: the epoch length `m`.
    public static let epochLength = Parameter.integer(
      "epochLength", default: 10, in: .atLeast(1), doc: "epoch length m")
    /// `randomEpochLength`: a geometric random epoch length with mean `m`.
    public static let randomEpochLength = Parameter.bool(
      "randomEpochLength", default: true, doc: "random epoch lengths with mean m, as the paper")
    /// `minibatchSize`: the minibatch `b`.
    public static let minibatchSize = Parameter.integer(
      "minibatchSize", default: 1, in: .atLeast(1), doc: "minibatch b of the recursive step")
    /// `gradientThreshold`: `g_thres`.
    public static let gradientThreshold = Parameter.number(
      "gradientThreshold", default: 1e-3, in: .atLeast(0),
      doc: "g_thres: start a super-epoch when ‖v‖ ≤ g_thres")
    /// `radius`: the perturbation radius `r`.
    public static let radius = Parameter.number(
      "radius", default: 1e-2, in: .atLeast(0), doc: "perturbation radius r")
    /// `escapeThreshold`: `f_thres`.
    public static let escapeThreshold = Parameter.number(
      "escapeThreshold", default: 1e-4, in: .greaterThan(0),
      doc: "f_thres: escaped once the loss fell by this")
    /// `escapeSteps`: `t_thres`.
    public static let escapeSteps = Parameter.integer(
      "escapeSteps", default: 100, in: .atLeast(1), doc: "t_thres: super-epoch length")
  }

  /// `ssrgd` in specs and `saddle list` (registered as a preset).
  public static let schema = StageSchema(
    "ssrgd", summary: "SSRGD with super-epochs, f_thres/t_thres, finite-sum or online (Li 2019)",
    parameters: [
      Parameters.form, Parameters.batchSize, Parameters.learningRate, Parameters.epochLength,
      Parameters.randomEpochLength, Parameters.minibatchSize, Parameters.gradientThreshold,
      Parameters.radius, Parameters.escapeThreshold, Parameters.escapeSteps,
    ])

  /// Builds the rule from a spec's fields (see ``schema``).
  public init(parameters p: StageParameters) throws(SpecError) {
    let form = try p.read(Parameters.form)
    let batch = try p.read(Parameters.batchSize)
    self.init(
      learningRate: try p.read(Parameters.learningRate),
      epochLength: try p.read(Parameters.epochLength),
      randomEpochLength: try p.read(Parameters.randomEpochLength),
      minibatchSize: try p.read(Parameters.minibatchSize),
      form: form == "online" ? .online(batchSize: batch) : .finiteSum,
      gradientThreshold: try p.read(Parameters.gradientThreshold),
      radius: try p.read(Parameters.radius),
      escapeThreshold: try p.read(Parameters.escapeThreshold),
      escapeSteps: try p.read(Parameters.escapeSteps))
  }
}
