/// What produced a tensor on the tape, with what the backward pass needs.
@usableFromInline
enum Operation {
  case leaf
  case matmul(Tensor, Tensor, transposeB: Bool)
  case linear(Tensor, weight: Tensor, bias: Tensor)
  case batchedMatmul(Tensor, Tensor, transposeB: Bool)
  case add(Tensor, Tensor)
  case addBroadcast(Tensor, Tensor)
  case scale(Tensor, Float)
  case relu(Tensor)
  case tanh(Tensor)
  case gelu(Tensor, derivative: UnsafeMutablePointer<Float>)
  case geluLinear(
    Tensor, weight: Tensor, bias: Tensor, hidden: UnsafeMutablePointer<Float>,
    derivative: UnsafeMutablePointer<Float>)
  case exp(Tensor)
  case log(Tensor)
  case softmax(Tensor)
  case crossEntropy(
    Tensor, targets: UnsafePointer<Int32>, scale: Float, probabilities: UnsafeMutablePointer<Float>)
  case classWeightedCrossEntropy(
    Tensor, targets: UnsafePointer<Int32>, scale: Float, weights: UnsafePointer<Float>?,
    probabilities: UnsafeMutablePointer<Float>)
  case squaredError(Tensor, target: UnsafePointer<Float>, scale: Float)
  case layerNorm(Tensor, gain: Tensor, bias: Tensor, statistics: UnsafeMutablePointer<Float>)
  case embedding(table: Tensor, indices: UnsafePointer<Int32>)
  case attention(
    Tensor, batch: Int, sequence: Int, heads: Int, probabilities: UnsafeMutablePointer<Float>)
  case reshape(Tensor)
  case transpose(Tensor)
  case sum(Tensor)
  case mean(Tensor)
}
