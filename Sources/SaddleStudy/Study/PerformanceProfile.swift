import Foundation

/// Dolan–Moré performance profiles (Dolan & Moré 2002, eqs. 1–2): for problem p and method s
/// with cost t_{p,s} (∞ when s failed on p), the ratio r_{p,s} = t_{p,s} / min_s t_{p,s}, and
/// ρ_s(τ) = |{p : r_{p,s} ≤ τ}| / n_p — the fraction of problems on which s is within a factor
/// τ of the best. ρ_s(1) is the fraction of wins; ρ_s(∞) the fraction solved.
public struct PerformanceProfile: Sendable, Equatable {
  /// What the cost is (e.g. `escape_cost_median`), written into the CSV.
  public var measure: String
  /// The methods, in report order.
  public var methods: [String]
  /// The problems, in report order.
  public var problems: [String]
  /// `ratios[s][p]` = r_{p,s} (∞ when failed or missing; NaN when no method solved p).
  public var ratios: [[Double]]

  /// The profile of `costs[s][p]` (nil or non-finite: failed) for `methods` × `problems`.
  public init(measure: String, methods: [String], problems: [String], costs: [[Double?]]) {
    self.measure = measure
    self.methods = methods
    self.problems = problems
    let t = costs.map { row in
      row.map { v -> Double in v.flatMap { $0.isFinite ? $0 : nil } ?? .infinity }
    }
    let best = problems.indices.map { p in t.map { $0[p] }.min() ?? .infinity }
    ratios = t.map { row in
      row.indices.map { p in best[p].isFinite ? row[p] / best[p] : .nan }
    }
  }

  /// ρ_s(τ) for method index `s`; problems no method solved count as not within τ.
  public func rho(_ s: Int, _ tau: Double) -> Double {
    guard !problems.isEmpty else { return .nan }
    return Double(ratios[s].filter { $0.isFinite && $0 <= tau }.count) / Double(problems.count)
  }

  /// The breakpoints of all profiles: 1 and every finite ratio, sorted.
  public var taus: [Double] {
    Array(Set([1] + ratios.flatMap { $0.filter(\.isFinite) })).sorted()
  }

  /// `measure,method,tau,rho` at every breakpoint (ρ is a right-continuous step function:
  /// draw it as steps), then each method's `tau = inf` row (fraction solved).
  public func csv() -> String {
    var lines = ["measure,method,tau,rho"]
    for (s, method) in methods.enumerated() {
      for tau in taus {
        lines.append("\(csvField(measure)),\(csvField(method)),\(tau),\(rho(s, tau))")
      }
      lines.append("\(csvField(measure)),\(csvField(method)),inf,\(rho(s, .infinity))")
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
