/// A learning-rate schedule as JSON names it: `{"schedule": NAME, …fields}` wherever a
/// `learningRate` is accepted. Declared once — name, formula, fields (default, range, doc) and
/// the symbol each field has in the formula — and read by the JSON decoder
/// (``StageParameters/learningRate(_:default:)``), validation and `saddle list schedules`.
/// Register one with ``Registry/register(schedule:)``.
public struct ScheduleDefinition: Sendable {
  /// The `schedule` value and summary; the fields, in reading order.
  public var schema: StageSchema
  /// Each field's symbol in ``StageSchema/summary``'s formula, e.g. `["η", "k", "γ"]`.
  public var symbols: [String]
  let make: @Sendable (StageParameters) throws(SpecError) -> LearningRate

  /// A schedule named `name` with `parameters` (and their `symbols`), built by `make` (which
  /// reads exactly those parameters with ``StageParameters/read(_:)``).
  public init(
    _ name: String, summary: String, parameters: [any ParameterDeclaration], symbols: [String],
    make: @escaping @Sendable (StageParameters) throws(SpecError) -> LearningRate
  ) {
    precondition(symbols.count == parameters.count, "ScheduleDefinition: one symbol per field")
    schema = StageSchema(name, summary: summary, parameters: parameters)
    self.symbols = symbols
    self.make = make
  }

  /// The name in `{"schedule": NAME}`.
  public var name: String { schema.name }

  /// The JSON form with the formula's symbols, e.g.
  /// `{"schedule":"step","peak":η,"every":k,"factor":γ}`.
  public var form: String {
    let fields = zip(schema.parameters, symbols).map { "\"\($0.name)\":\($1)" }
    return "{" + (["\"schedule\":\"\(name)\""] + fields).joined(separator: ",") + "}"
  }
}

extension LearningRate {
  /// The fields of the built-in schedules, each declared once.
  public enum Parameters {
    /// `value`: the constant rate.
    public static let value = Parameter.number("value", in: .atLeast(0), doc: "the rate η")
    /// `peak`: the schedule's peak (initial) rate.
    public static let peak = Parameter.number("peak", in: .atLeast(0), doc: "the peak rate η")
    /// `every`: the step schedule's period.
    public static let every = Parameter.integer(
      "every", in: .atLeast(1), doc: "multiply by factor every k updates")
    /// `factor`: the step schedule's factor.
    public static let factor = Parameter.number(
      "factor", in: .closed(0, 1), doc: "decay factor γ per period")
    /// `rate`: the exponential schedule's factor per update.
    public static let rate = Parameter.number(
      "rate", in: .closed(0, 1), doc: "decay factor γ per update")
    /// `steps`: the updates the schedule spans.
    public static let steps = Parameter.integer(
      "steps", in: .atLeast(1), doc: "updates T over which it decays (or warms up)")
    /// `final`: the cosine schedules' final fraction of the peak.
    public static let final = Parameter.number(
      "final", default: 0, in: .closed(0, 1), doc: "final rate α·η as a fraction α of the peak")
    /// `warmup`: the warm-up-cosine schedule's warm-up length.
    public static let warmup = Parameter.integer(
      "warmup", in: .atLeast(0), doc: "linear warm-up over W updates")
    /// `from`: the linear schedule's start.
    public static let from = Parameter.number("from", in: .atLeast(0), doc: "the rate a at t = 0")
    /// `to`: the linear schedule's end.
    public static let to = Parameter.number("to", in: .atLeast(0), doc: "the rate b from t = T on")
  }

  /// The built-in schedules, in listing order (optax / PyTorch definitions; see
  /// ``LearningRate``). Every ``Registry`` starts with them.
  public static let schedules: [ScheduleDefinition] = [
    ScheduleDefinition(
      "constant", summary: "η", parameters: [Parameters.value], symbols: ["η"]
    ) { p throws(SpecError) in .constant(try p.read(Parameters.value)) },
    ScheduleDefinition(
      "step", summary: "η·γ^⌊t/k⌋",
      parameters: [Parameters.peak, Parameters.every, Parameters.factor],
      symbols: ["η", "k", "γ"]
    ) { p throws(SpecError) in
      .step(
        try p.read(Parameters.peak), every: try p.read(Parameters.every),
        factor: try p.read(Parameters.factor))
    },
    ScheduleDefinition(
      "exponential", summary: "η·γ^t", parameters: [Parameters.peak, Parameters.rate],
      symbols: ["η", "γ"]
    ) { p throws(SpecError) in
      .exponential(try p.read(Parameters.peak), rate: try p.read(Parameters.rate))
    },
    ScheduleDefinition(
      "cosine", summary: "η·(α + (1 − α)·½(1 + cos(π·min(t, T)/T)))",
      parameters: [Parameters.peak, Parameters.steps, Parameters.final], symbols: ["η", "T", "α"]
    ) { p throws(SpecError) in
      .cosine(
        try p.read(Parameters.peak), steps: try p.read(Parameters.steps),
        final: try p.read(Parameters.final))
    },
    ScheduleDefinition(
      "warmup", summary: "η·min(1, (t + 1)/W)",
      parameters: [Parameters.peak, Parameters.steps.documented("warm-up length W in updates")],
      symbols: ["η", "W"]
    ) { p throws(SpecError) in
      .warmup(try p.read(Parameters.peak), steps: try p.read(Parameters.steps))
    },
    ScheduleDefinition(
      "warmup-cosine",
      summary: "linear warm-up to η over W updates, then cosine decay to α·η at T",
      parameters: [Parameters.peak, Parameters.warmup, Parameters.steps, Parameters.final],
      symbols: ["η", "W", "T", "α"]
    ) { p throws(SpecError) in
      .warmupCosine(
        try p.read(Parameters.peak), warmup: try p.read(Parameters.warmup),
        steps: try p.read(Parameters.steps), final: try p.read(Parameters.final))
    },
    ScheduleDefinition(
      "linear", summary: "a + (b − a)·min(t, T)/T",
      parameters: [Parameters.from, Parameters.to, Parameters.steps], symbols: ["a", "b", "T"]
    ) { p throws(SpecError) in
      .linear(
        from: try p.read(Parameters.from), to: try p.read(Parameters.to),
        steps: try p.read(Parameters.steps))
    },
  ]
}
