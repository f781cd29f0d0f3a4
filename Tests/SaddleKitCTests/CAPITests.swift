import Foundation
import SaddleCore
import SaddleModels
import Testing

@testable import SaddleKitC

/// The C functions called directly, with C callbacks evaluating a closed-form problem, checked
/// bit for bit against the Swift optimizer stepping the same problem.
/// The NUL-terminated text in `buffer`.
func text(_ buffer: [CChar]) -> String {
  String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

@Suite struct CAPITests {
  /// What the callbacks evaluate (passed as the `context` pointer).
  final class Evaluator {
    let problem: any ClosedFormProblem
    var calls = 0
    var failAfter: Int?
    init(_ problem: any ClosedFormProblem) { self.problem = problem }
  }

  static let lossAndGradient: SaddleKitLossAndGradientCallback = { context, p, n, loss, g in
    let evaluator = Unmanaged<Evaluator>.fromOpaque(context!).takeUnretainedValue()
    evaluator.calls += 1
    if let limit = evaluator.failAfter, evaluator.calls > limit { return 7 }
    let point = (0..<Int(n)).map { Double(p![$0]) }
    let gradient = evaluator.problem.gradient(at: point)
    for i in 0..<Int(n) { g![i] = Float(gradient[i]) }
    loss!.pointee = evaluator.problem.value(at: point)
    return 0
  }

  static let hvp: SaddleKitHessianVectorProductCallback = { context, p, v, n, result in
    let evaluator = Unmanaged<Evaluator>.fromOpaque(context!).takeUnretainedValue()
    let point = (0..<Int(n)).map { Double(p![$0]) }
    let vector = (0..<Int(n)).map { Double(v![$0]) }
    let hv = evaluator.problem.hessianVectorProduct(at: point, along: vector)
    for i in 0..<Int(n) { result![i] = Float(hv[i]) }
    return 0
  }

  /// Creates an optimizer through the C API; returns it or the status and message.
  static func create(
    _ spec: String, _ start: [Float], segments: String? = nil, policy: String? = nil,
    exactHVP: Bool = false
  ) -> (OpaquePointer?, Int32, String) {
    var handle: OpaquePointer?
    var message = [CChar](repeating: 0, count: 1024)
    let code = start.withUnsafeBufferPointer { p in
      saddlekit_optimizer_create(
        spec, p.baseAddress, Int64(start.count), segments, 0, policy, exactHVP ? 1 : 0,
        &handle, &message, Int64(message.count))
    }
    return (handle, code, text(message))
  }

  /// Runs `steps` C-API steps from `start`; the first evaluation of each step is the caller's.
  static func runC(
    _ handle: OpaquePointer, evaluator: Evaluator, start: [Float], steps: Int,
    hvp: Bool = false
  ) -> (parameters: [Float], codes: [Int32], messages: [String]) {
    var x = start
    var codes: [Int32] = []
    var messages: [String] = []
    let context = Unmanaged.passUnretained(evaluator).toOpaque()
    for _ in 0..<steps {
      var g = [Float](repeating: 0, count: x.count)
      var loss = 0.0
      _ = x.withUnsafeBufferPointer { p in
        g.withUnsafeMutableBufferPointer { gp in
          lossAndGradient(context, p.baseAddress, Int64(x.count), &loss, gp.baseAddress)
        }
      }
      var message = [CChar](repeating: 0, count: 1024)
      var before = 0.0
      let code = x.withUnsafeMutableBufferPointer { p in
        saddlekit_optimizer_step(
          handle, p.baseAddress, g, loss, context, lossAndGradient, nil, hvp ? Self.hvp : nil,
          &before, &message, Int64(message.count))
      }
      codes.append(code)
      messages.append(text(message))
    }
    return (x, codes, messages)
  }

  static func counts(_ handle: OpaquePointer) -> [Int64] {
    var out = [Int64](repeating: -1, count: 5)
    #expect(saddlekit_optimizer_counts(handle, &out) == 0)
    return out
  }

  /// The Swift reference: `Optimizer.step` on the problem itself, as `saddle run` does.
  static func runSwift(_ spec: String, problem: some ClosedFormProblem, start: [Float], steps: Int)
    throws -> OptimizerState<[AnyRuleState]>
  {
    let optimizer = try Registry.standard.optimizer(fromJSON: spec)
    var state = optimizer.makeState(
      parameters: ParameterVector(start), layout: problem.layout, seed: 0)
    for _ in 0..<steps { try optimizer.step(&state, model: problem) }
    return state
  }

  @Test func versionIsOne() {
    #expect(saddlekit_api_version() == 1)
  }

  @Test func adamOnRosenbrockMatchesSwiftBitForBit() throws {
    let spec = #"[{"stage":"adam","learningRate":0.01}]"#
    let start: [Float] = [-1.2, 1]
    let (handle, code, message) = Self.create(spec, start)
    #expect(code == 0, "\(message)")
    let h = try #require(handle)
    defer { saddlekit_optimizer_destroy(h) }
    let evaluator = Evaluator(Rosenbrock())
    let run = Self.runC(h, evaluator: evaluator, start: start, steps: 200)
    #expect(run.codes.allSatisfy { $0 == 0 })
    let swift = try Self.runSwift(spec, problem: Rosenbrock(), start: start, steps: 200)
    #expect(run.parameters.map(\.bitPattern) == swift.parameters.array.map(\.bitPattern))
    #expect(Self.counts(h) == [200, 0, 0, 200, 200])
    #expect(evaluator.calls == 200)  // only the caller's own evaluations: none repeated
  }

  @Test func dimerExtraEvaluationsGoThroughTheCallbackAndAreCounted() throws {
    let spec = #"[{"stage":"deo-adam","learningRate":0.01,"period":5}]"#
    let problem = HyperbolicSaddle()
    let start: [Float] = [0.01, 0.02]
    let (handle, code, message) = Self.create(spec, start)
    #expect(code == 0, "\(message)")
    let h = try #require(handle)
    defer { saddlekit_optimizer_destroy(h) }
    let evaluator = Evaluator(problem)
    let run = Self.runC(h, evaluator: evaluator, start: start, steps: 20)
    let swift = try Self.runSwift(spec, problem: problem, start: start, steps: 20)
    #expect(run.parameters.map(\.bitPattern) == swift.parameters.array.map(\.bitPattern))
    let counts = Self.counts(h)
    #expect(counts[0] == Int64(swift.evaluations.gradients))
    #expect(counts[0] > 20)  // the dimer's probes
    #expect(Int64(evaluator.calls) == counts[0])  // each extra one went through the callback
  }

  @Test func exactHessianVectorProductsComeFromTheCallback() throws {
    let spec = #"[{"stage":"lanczos","rank":2,"hvp":"exact"},{"stage":"sgd","learningRate":0.01}]"#
    let problem = HyperbolicSaddle()
    let start: [Float] = [0.3, -0.2]
    let (handle, code, message) = Self.create(spec, start, exactHVP: true)
    #expect(code == 0, "\(message)")
    let h = try #require(handle)
    defer { saddlekit_optimizer_destroy(h) }
    let run = Self.runC(h, evaluator: Evaluator(problem), start: start, steps: 3, hvp: true)
    let swift = try Self.runSwift(spec, problem: problem, start: start, steps: 3)
    #expect(run.parameters.map(\.bitPattern) == swift.parameters.array.map(\.bitPattern))
    #expect(Self.counts(h)[2] == Int64(swift.evaluations.hessianVectorProducts))
    #expect(Self.counts(h)[2] > 0)
  }

  @Test func badSpecReturnsTheRegistrysOneLineError() throws {
    let (handle, code, message) = Self.create(#"[{"stage":"adma"}]"#, [1, 2])
    #expect(handle == nil)
    #expect(code == SaddleKitStatus.specError.rawValue)
    let expected: String
    do {
      _ = try Registry.standard.optimizer(fromJSON: #"[{"stage":"adma"}]"#)
      expected = ""
    } catch {
      expected = error.description
    }
    #expect(message == expected)
    #expect(message.contains("did you mean 'adam'"))
    let (_, badSegments, segmentMessage) = Self.create(
      #"[{"stage":"sgd"}]"#, [1, 2], segments: #"[{"name":"w","shape":[3]}]"#)
    #expect(badSegments == SaddleKitStatus.argumentError.rawValue)
    #expect(segmentMessage.contains("3 values but there are 2"))
    let (_, badPolicy, _) = Self.create(#"[{"stage":"sgd"}]"#, [1, 2], policy: "ignore")
    #expect(badPolicy == SaddleKitStatus.argumentError.rawValue)
  }

  @Test func stateRoundTripsAndForeignStateIsRefused() throws {
    let spec = #"[{"stage":"adam","learningRate":0.01}]"#
    let start: [Float] = [-1.2, 1]
    let (first, _, _) = Self.create(spec, start)
    let a = try #require(first)
    defer { saddlekit_optimizer_destroy(a) }
    let evaluator = Evaluator(Rosenbrock())
    let half = Self.runC(a, evaluator: evaluator, start: start, steps: 50)
    var blob: UnsafeMutablePointer<UInt8>?
    var length: Int64 = 0
    #expect(saddlekit_optimizer_save_state(a, &blob, &length, nil, 0) == 0)
    defer { saddlekit_free(blob) }
    let whole = Self.runC(a, evaluator: evaluator, start: half.parameters, steps: 50)

    let (second, _, _) = Self.create(spec, [0, 0])
    let b = try #require(second)
    defer { saddlekit_optimizer_destroy(b) }
    #expect(saddlekit_optimizer_load_state(b, blob, length, nil, 0) == 0)
    var restored = [Float](repeating: 0, count: 2)
    #expect(saddlekit_optimizer_parameters(b, &restored, 2) == 0)
    #expect(restored == half.parameters)
    let resumed = Self.runC(b, evaluator: evaluator, start: restored, steps: 50)
    #expect(resumed.parameters.map(\.bitPattern) == whole.parameters.map(\.bitPattern))
    #expect(Self.counts(b) == Self.counts(a))

    let (other, _, _) = Self.create(#"[{"stage":"sgd"}]"#, [0, 0])
    let c = try #require(other)
    defer { saddlekit_optimizer_destroy(c) }
    var message = [CChar](repeating: 0, count: 512)
    #expect(saddlekit_optimizer_load_state(c, blob, length, &message, 512) == 4)
    #expect(text(message).contains("another optimizer"))
    let garbage: [UInt8] = Array("not a state".utf8)
    #expect(saddlekit_optimizer_load_state(c, garbage, Int64(garbage.count), nil, 0) == 4)
  }

  @Test func failingCallbackFollowsThePolicy() throws {
    let spec = #"[{"stage":"deo-adam","learningRate":0.01,"period":1}]"#
    let start: [Float] = [0.01, 0.02]
    for (policy, expected) in [
      ("stop", SaddleKitStatus.nonFinite), ("skip", .skipped), ("rollback", .rolledBack),
    ] {
      let (handle, _, _) = Self.create(spec, start, policy: policy)
      let h = try #require(handle)
      defer { saddlekit_optimizer_destroy(h) }
      let evaluator = Evaluator(HyperbolicSaddle())
      evaluator.failAfter = 1  // the caller's evaluation succeeds, the dimer's probe fails
      let run = Self.runC(h, evaluator: evaluator, start: start, steps: 1)
      #expect(run.codes == [expected.rawValue], "\(policy)")
      #expect(run.messages[0].contains("callback returned 7"), "\(run.messages[0])")
      #expect(run.parameters == start)  // never a NaN, never a step on garbage
      if policy == "stop" {
        let again = Self.runC(h, evaluator: evaluator, start: start, steps: 1)
        #expect(again.codes == [SaddleKitStatus.stopped.rawValue])
      }
    }
  }

  @Test func nullAndInvalidArgumentsReturnCodesNotCrashes() throws {
    var message = [CChar](repeating: 0, count: 256)
    var loss = 0.0
    #expect(
      saddlekit_optimizer_step(nil, nil, nil, 0, nil, nil, nil, nil, &loss, &message, 256) == 2)
    #expect(text(message).contains("null"))
    var out = [Int64](repeating: 0, count: 5)
    #expect(saddlekit_optimizer_counts(nil, &out) == 2)
    #expect(saddlekit_optimizer_parameter_count(nil) == -1)
    #expect(saddlekit_optimizer_load_state(nil, nil, -1, nil, 0) == 2)
    saddlekit_optimizer_destroy(nil)
    saddlekit_free(nil)
    var handle: OpaquePointer?
    #expect(
      saddlekit_optimizer_create(nil, nil, 0, nil, 0, nil, 0, &handle, &message, 256) == 2)
    let (empty, emptyCode, _) = Self.create(#"[{"stage":"sgd"}]"#, [])
    #expect(empty == nil && emptyCode == 2)
    let (nan, nanCode, nanMessage) = Self.create(#"[{"stage":"sgd"}]"#, [.nan, 1])
    #expect(nan == nil && nanCode == 2 && nanMessage.contains("finite"))
    let (h, _, _) = Self.create(#"[{"stage":"sgd"}]"#, [1, 2])
    let opt = try #require(h)
    defer { saddlekit_optimizer_destroy(opt) }
    var x: [Float] = [1, 2]
    let g: [Float] = [1, 1]
    #expect(
      saddlekit_optimizer_step(opt, &x, g, 1, nil, nil, nil, nil, &loss, &message, 256) == 2)
    #expect(saddlekit_optimizer_parameters(opt, &x, 3) == 2)
    #expect(saddlekit_optimizer_load_state(opt, [], 0, &message, 256) == 4)
    #expect(x == [1, 2])
  }

  @Test func registryJSONListsEveryEntry() throws {
    var out: UnsafeMutablePointer<CChar>?
    #expect(saddlekit_registry_json(&out, nil, 0) == 0)
    let text = String(cString: try #require(out))
    saddlekit_free(out)
    let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    guard case .array(let entries) = value else {
      Issue.record("not an array")
      return
    }
    #expect(entries.count == Registry.standard.allEntries.count)
    #expect(text.contains("\"name\":\"deo-adam\""))
    #expect(text.contains("\"name\":\"learningRate\""))
  }

  @Test func segmentsAreNamedAndValidated() throws {
    let layout = try parseSegments(
      #"[{"name":"w","shape":[2,3]},{"name":"b","shape":[3]}]"#, count: 9)
    #expect(layout.segments.map(\.name) == ["w", "b"])
    #expect(layout.segments.map(\.count) == [6, 3])
    #expect(throws: StateBlobError.self) {
      try parseSegments(#"[{"name":"w","shape":[9],"dtype":"f"}]"#, count: 9)
    }
    #expect(throws: StateBlobError.self) {
      try parseSegments(#"[{"name":"w","shape":[4]},{"name":"w","shape":[5]}]"#, count: 9)
    }
  }

  @Test func messagesAreTruncatedOnCharacterBoundaries() {
    var buffer = [CChar](repeating: 1, count: 4)
    writeMessage("aé\nb", into: &buffer, capacity: 4)
    #expect(text(buffer) == "aé")
    writeMessage("a\nb", into: &buffer, capacity: 4)
    #expect(text(buffer) == "a\\n")
  }
}
