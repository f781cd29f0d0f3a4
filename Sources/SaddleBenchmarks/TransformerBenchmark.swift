import SaddleKit

/// Timing of the reference Transformer's gradient, for `saddle bench transformer`.
public enum TransformerBenchmark {
  /// Median wall-clock times of one run.
  public struct Result: Sendable, Codable, Equatable {
    /// Worker threads of the model.
    public var threads: Int
    /// The GEMM kernel path used.
    public var kernelPath: String
    /// Timed repetitions (after warm-up).
    public var iterations: Int
    /// Median time of one `lossAndGradient` call, in milliseconds.
    public var gradientMilliseconds: Double
    /// Median time of a dimer probe — gradients at `x`, `x + δN`, `x − δN` in sequence,
    /// including forming the two displaced points — in milliseconds.
    public var dimerProbeMilliseconds: Double
    /// The loss at the initial parameters (a sanity value, ≈ ln V).
    public var loss: Double
  }

  /// Times the model of `configuration` (default: the reference model, 110,400 parameters,
  /// 1,024 tokens) at its initial parameters on a fixed random batch.
  ///
  /// - Parameters:
  ///   - threads: Worker threads of the model.
  ///   - iterations: Timed repetitions of each measurement (the median is reported); five
  ///     untimed warm-up calls come first.
  ///   - configuration: The model sizes.
  ///   - kernelPath: The GEMM kernel path.
  public static func run(
    threads: Int = 2, iterations: Int = 50,
    configuration: TransformerConfiguration = .reference,
    kernelPath: KernelPath = .selected
  ) -> Result {
    let model = TransformerLM(configuration, threads: threads, kernelPath: kernelPath)
    let n = model.parameterCount
    let parameters = UnsafeMutableBufferPointer<Float>.allocate(capacity: 3 * n)
    let gradient = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
    let direction = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
    let tokenCount = configuration.batchSize * configuration.tokensPerSequence
    let tokens = UnsafeMutableBufferPointer<Int32>.allocate(capacity: tokenCount)
    defer {
      for b in [parameters, gradient, direction] { b.deallocate() }
      tokens.deallocate()
    }
    let x = UnsafeMutableBufferPointer(rebasing: parameters[0..<n])
    let plus = UnsafeMutableBufferPointer(rebasing: parameters[n..<(2 * n)])
    let minus = UnsafeMutableBufferPointer(rebasing: parameters[(2 * n)..<(3 * n)])
    model.initializeParameters(x, seed: 0)
    var generator = SeededGenerator(seed: 1)
    for i in 0..<tokenCount {
      tokens[i] = Int32(generator.next() % UInt64(configuration.vocabularySize))
    }
    var squaredNorm = 0.0
    for i in 0..<n {
      let v = generator.nextGaussian()
      direction[i] = Float(v)
      squaredNorm += v * v
    }
    let delta = Float(1e-3 / squaredNorm.squareRoot())
    let tokenView = UnsafeBufferPointer(tokens)

    func gradientCall(_ p: UnsafeMutableBufferPointer<Float>) -> Double {
      model.lossAndGradient(
        parameters: UnsafeBufferPointer(p), tokens: tokenView, gradient: gradient)
    }
    func dimerProbe() {
      for i in 0..<n {
        plus[i] = x[i] + delta * direction[i]
        minus[i] = x[i] - delta * direction[i]
      }
      _ = gradientCall(x)
      _ = gradientCall(plus)
      _ = gradientCall(minus)
    }

    var loss = 0.0
    for _ in 0..<5 { loss = gradientCall(x) }
    let clock = ContinuousClock()
    func median(_ body: () -> Void) -> Double {
      var times: [Double] = []
      times.reserveCapacity(iterations)
      for _ in 0..<max(1, iterations) {
        let elapsed = clock.measure(body)
        times.append(
          Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds)
            * 1e-15)
      }
      times.sort()
      return times[times.count / 2]
    }
    let gradientTime = median { _ = gradientCall(x) }
    dimerProbe()
    let dimerTime = median(dimerProbe)
    return Result(
      threads: threads, kernelPath: kernelPath.description, iterations: iterations,
      gradientMilliseconds: gradientTime, dimerProbeMilliseconds: dimerTime, loss: loss)
  }
}
