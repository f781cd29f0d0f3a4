import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A streaming output file that can be cut back: opened for appending after the lines of steps
/// up to a given step (resume), truncated back to a remembered offset (rollback).
final class StepFile {
  let path: String
  let handle: FileHandle
  private(set) var offset: UInt64
  var snapshotOffset: UInt64 = 0
  var writeError: String?

  /// Opens `path`; with `resumingAfter`, keeps the lines whose leading step (`stepOf`) is at
  /// most that step, and lines without one (a CSV header), and cuts the rest; otherwise
  /// creates or truncates it.
  init(
    path: String, resumingAfter step: Int?, stepOf: @escaping (Substring) -> Int?
  ) throws(FileOutputError) {
    self.path = path
    guard let step, FileManager.default.fileExists(atPath: path) else {
      handle = try FileOutput.openForStreaming(path)
      offset = 0
      return
    }
    let fd = open(path, O_RDWR)
    guard fd >= 0 else { throw FileOutputError(path: path, reason: FileOutput.systemError()) }
    let keep = Self.keptLength(fd: fd, through: step, stepOf: stepOf)
    guard ftruncate(fd, off_t(keep)) == 0, lseek(fd, off_t(keep), SEEK_SET) >= 0 else {
      let reason = FileOutput.systemError()
      close(fd)
      throw FileOutputError(path: path, reason: reason)
    }
    handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    offset = UInt64(keep)
  }

  /// The byte length of the file's lines up to the last one whose step is at most `step`
  /// (lines without a step, such as a CSV header, count as kept; a last line without its
  /// newline is cut), reading backwards from the end in blocks: O(bytes cut), not O(file).
  static func keptLength(fd: Int32, through step: Int, stepOf: (Substring) -> Int?) -> Int {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return 0 }
    let blockSize = 65536
    var blocks: [Int: [UInt8]] = [:]
    func byte(_ i: Int) -> UInt8 {
      let index = i / blockSize
      if blocks[index] == nil {
        var block = [UInt8](repeating: 0, count: blockSize)
        let got = block.withUnsafeMutableBytes {
          pread(fd, $0.baseAddress!, blockSize, off_t(index * blockSize))
        }
        blocks[index] = Array(block.prefix(Swift.max(0, got)))
      }
      let block = blocks[index]!
      let k = i % blockSize
      return k < block.count ? block[k] : 0
    }
    /// The start of the line whose terminating newline is at `newline`.
    func lineStart(_ newline: Int) -> Int {
      var i = newline
      while i > 0 && byte(i - 1) != 0x0A { i -= 1 }
      return i
    }
    var end = Int(info.st_size)
    if end > 0 && byte(end - 1) != 0x0A { end = lineStart(end) }
    while end > 0 {
      let start = lineStart(end - 1)
      let bytes = (start..<(end - 1)).map(byte)
      let line = String(decoding: bytes, as: UTF8.self)
      if let lineStep = stepOf(line[...]), lineStep > step {
        end = start
        continue
      }
      return end
    }
    return 0
  }

  func write(_ text: String) {
    guard writeError == nil else { return }
    let data = Data(text.utf8)
    do {
      try handle.write(contentsOf: data)
      offset += UInt64(data.count)
    } catch {
      writeError = "cannot write '\(path)': \(FileOutput.describe(error))"
    }
  }

  /// Cuts the file back to `snapshotOffset`.
  func rollBack() {
    guard writeError == nil else { return }
    do {
      try handle.truncate(atOffset: snapshotOffset)
      offset = snapshotOffset
    } catch {
      writeError = "cannot truncate '\(path)': \(FileOutput.describe(error))"
    }
  }

  func finish() {
    do { try handle.synchronize() } catch {
      if writeError == nil { writeError = "cannot write '\(path)': \(FileOutput.describe(error))" }
    }
  }
}

/// The step a trace line (`{"step":N,…`) or a CSV row (`N,…`) starts with.
func leadingStep(_ line: Substring) -> Int? {
  var text = line
  if text.hasPrefix("{\"step\":") { text = text.dropFirst(8) }
  let digits = text.prefix { $0.isNumber }
  guard !digits.isEmpty else { return nil }
  return Int(digits)
}

/// A number as JSON (non-finite values become `null`). `Float`s widened to `Double` print
/// with enough digits to round-trip the original float.
func jsonNumber(_ x: Double) -> String {
  x.isFinite ? "\(x)" : "null"
}

/// A number for CSV (non-finite values become an empty field).
func csvNumber(_ x: Double) -> String {
  x.isFinite ? "\(x)" : ""
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
  var out = "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": out += "\\\""
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    default:
      if scalar.value < 0x20 {
        out += String(format: "\\u%04x", scalar.value)
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out + "\""
}
