import SaddleCore
import SaddleModels
import Testing

@Suite("Octopus (Du et al. 2017)")
struct OctopusTests {
  let octopus = Octopus(dimension: 4)

  @Test("ν = −g₁(2τ) + 4Lτ² and the splines meet their neighbours (g₂(τ) = L, g₂(2τ) = −γ)")
  func constants() {
    let o = octopus
    let g1At2Tau = o.value(at: [2 * o.tau, 0, 0, 0])  // in D₁: g₁(2τ) + g₂(2τ)·0
    #expect(abs(o.nu - (-g1At2Tau + 4 * o.L * o.tau * o.tau)) < 1e-12 * o.nu)
    #expect(abs(o.g2(o.tau) - o.L) < 1e-12)
    #expect(abs(o.g2(2 * o.tau) + o.gamma) < 1e-12)
    #expect(o.saddles.count == o.dimension)
    #expect(o.saddles.map(\.value) == (0..<4).map { -Double($0) * o.nu })
    #expect(o.minima[0].value == -4 * o.nu)
  }

  // f is C² by construction. From x ± δ (δ = 1e-10) a smooth function moves by at most
  // 2δ·sup|next derivative| (≲ 1e-6 relative here, even off the tube where S − T is ~1e4),
  // while a jump in f, ∇f or ∇²f would be of order L or γ, i.e. far above 1e-6·(1 + scale).
  @Test("f, ∇f and ∇²f are continuous across every region boundary |xᵢ| ∈ {τ, 2τ}")
  func continuity() {
    let o = octopus
    var generator = SeededGenerator(seed: 11)
    let delta = 1e-10
    func close(_ x: [Double], _ y: [Double]) -> Bool {
      let scale = 1 + maxMagnitude(x)
      return zip(x, y).allSatisfy { abs($0 - $1) <= 1e-6 * scale }
    }
    for _ in 0..<8 {
      for base in samplePoints(for: o, seed: generator.next()).suffix(4) {
        for i in 0..<o.dimension {
          for boundary in [o.tau, 2 * o.tau, -o.tau, -2 * o.tau] {
            var below = base
            var above = base
            below[i] = boundary - delta
            above[i] = boundary + delta
            #expect(close([o.value(at: below)], [o.value(at: above)]))
            #expect(close(o.gradient(at: below), o.gradient(at: above)))
            let hb = o.hessian(at: below).flatMap { $0 }
            let ha = o.hessian(at: above).flatMap { $0 }
            #expect(close(hb, ha), "∇²f jumps at x\(i) = \(boundary) from \(base)")
          }
        }
      }
    }
  }

  @Test("in the spline band g₁′ < 0, so no critical point hides between the saddles")
  func noCriticalPointsInSplineBand() {
    for o in [octopus, Octopus(dimension: 3, L: 1, gamma: 0.5, tau: 1)] {
      for k in 1..<1000 {
        let s = o.tau * (1 + Double(k) / 1000)
        let slope = o.gradient(at: [s] + [Double](repeating: 0, count: o.dimension - 1))[0]
        #expect(slope < 0, "g₁′(\(s)) = \(slope)")
      }
    }
  }

  @Test("on the tube the function is the paper's piecewise formula")
  func matchesPaperOnTube() {
    let o = Octopus(dimension: 3)
    let (L, gamma, tau, nu) = (o.L, o.gamma, o.tau, o.nu)
    func g1(_ s: Double) -> Double {
      -gamma * s * s + (-14 * L + 10 * gamma) / (3 * tau) * pow3(s - tau)
        + (5 * L - 3 * gamma) / (2 * tau * tau) * pow3(s - tau) * (s - tau)
    }
    // D₂, |x₂| ≤ τ (paper eq. 6): L(|x₁| − 4τ)² − γx₂² + Lx₃² − ν.
    let a: [Double] = [-3 * tau, 0.5 * tau, -0.25 * tau]
    let fa = L * pow2(3 * tau - 4 * tau) - gamma * pow2(a[1]) + L * pow2(a[2]) - nu
    #expect(abs(o.value(at: a) - fa) < 1e-12 * abs(fa))
    // D₂, τ < |x₂| ≤ 2τ (eq. 7): L(|x₁| − 4τ)² + g₁(|x₂|) + g₂(|x₂|)x₃² − ν.
    let b: [Double] = [5 * tau, -1.5 * tau, 0.7 * tau]
    let fb = L * pow2(tau) + g1(1.5 * tau) + o.g2(1.5 * tau) * pow2(b[2]) - nu
    #expect(abs(o.value(at: b) - fb) < 1e-12 * abs(fb))
    // D₃ = D_d, τ < |x₃| ≤ 2τ (eq. 9): Σ L(|xⱼ| − 4τ)² + g₁(|x₃|) − 2ν.
    let c: [Double] = [4 * tau, 2.5 * tau, 1.2 * tau]
    let fc = L * pow2(1.5 * tau) + g1(1.2 * tau) - 2 * nu
    #expect(abs(o.value(at: c) - fc) < 1e-12 * abs(fc))
    // D_{d+1} (eq. 10): Σ L(|xⱼ| − 4τ)² − dν.
    let d: [Double] = [3 * tau, -5 * tau, 4 * tau]
    let fd = 2 * L * tau * tau - 3 * nu
    #expect(abs(o.value(at: d) - fd) < 1e-12 * abs(fd))
  }

  func pow2(_ x: Double) -> Double { x * x }
  func pow3(_ x: Double) -> Double { x * x * x }

  // Plain GD (η = 1/(4L), as in the paper's analysis, which needs η ≤ 1/ℓ) from the paper's
  // initialization, uniform on [−1, 1]^d, in Double. It must visit D₁, D₂, …, D_{d+1} in order
  // and spend longer in each successive region: the exponential slowdown, in miniature.
  @Test("plain gradient descent from [−1, 1]^d passes the saddles in sequence, ever more slowly")
  func gradientDescentPassesSaddlesInOrder() {
    let o = Octopus(dimension: 3)
    let eta = 1 / (4 * o.L)
    for seed: UInt64 in [1, 2, 3] {
      var x = o.uniformStart(seed: seed)
      var region = o.region(of: x)
      var time = [Int](repeating: 0, count: o.dimension + 2)
      #expect(region == 1)
      var steps = 0
      while steps < 100_000 {
        let g = o.gradient(at: x)
        for i in 0..<o.dimension { x[i] -= eta * g[i] }
        let next = o.region(of: x)
        #expect(next >= region, "region went back from \(region) to \(next)")
        region = next
        time[region] += 1
        steps += 1
        if region == o.dimension + 1 && o.value(at: x) < o.minima[0].value + 1e-6 { break }
      }
      #expect(region == o.dimension + 1)
      #expect(o.value(at: x) < o.minima[0].value + 1e-6)
      for i in 2...o.dimension { #expect(time[i] > time[i - 1], "times per region \(time)") }
    }
  }
}
