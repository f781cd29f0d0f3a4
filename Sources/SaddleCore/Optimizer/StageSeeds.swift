/// Every random stream of a pipeline is derived from (the optimizer's seed, the stage's flat
/// position, the stream's purpose): stage `i` (counting the leaf stages of the pipeline in
/// order, whatever nests them) receives `mixSeed(r, i + 1)` with `r = mixSeed(seed, 0x71)`,
/// and the stage mixes in a purpose of its own (e.g. the dimer's initial direction). So the
/// same pipeline written in the DSL (nested ``Chain``s, wrappers) or read from JSON (a flat
/// ``DynamicChain``) draws the same numbers.
///
/// Containers (chains, wrappers, control flow, erased stages) pass a *base* down instead of
/// a finished seed: `r + k·γ` for a container whose first leaf is stage `k` (`γ` is
/// SplitMix64's increment), so that `mixSeed(base, 1) = mixSeed(r, k + 1)`.
protocol StageContainer {
  /// The number of leaf stages inside (0 for an absent optional stage).
  var leafStageCount: Int { get }
}

/// The number of leaf stages `stage` stands for (1 unless it is a container).
func stageCount<R: UpdateRule>(of stage: R) -> Int {
  (stage as? any StageContainer)?.leafStageCount ?? 1
}

/// The seed to pass to `child`, a stage whose first leaf sits `offset` leaves after the first
/// leaf of a container given `base`.
func childSeed<R: UpdateRule>(_ child: R, base: UInt64, offset: Int = 0) -> UInt64 {
  let shifted = base &+ UInt64(offset) &* 0x9E37_79B9_7F4A_7C15
  return child is any StageContainer ? shifted : mixSeed(shifted, 1)
}

/// Fresh state of `child` at leaf `offset` of a container given `base`.
func makeChildState<R: UpdateRule>(
  _ child: R, for layout: ParameterLayout, base: UInt64, offset: Int = 0
) -> R.State {
  child.makeState(for: layout, seed: childSeed(child, base: base, offset: offset))
}
