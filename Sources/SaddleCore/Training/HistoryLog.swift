import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where a checkpoint's per-step history lives: `length` bytes from `offset` in `file`, a
/// ``HistoryLog`` beside the checkpoints.
public struct HistoryLogReference: Sendable, Codable, Equatable {
  /// The log's file name, relative to the checkpoint directory.
  public var file: String
  /// The byte offset of the first record (after the log's header).
  public var offset: Int
  /// The bytes of records that belong to the checkpoint (``HistoryLog/recordBytes`` each).
  public var length: Int

  /// A reference.
  public init(file: String, offset: Int, length: Int) {
    self.file = file
    self.offset = offset
    self.length = length
  }

  /// The number of steps recorded.
  public var records: Int { length / HistoryLog.recordBytes }
}

/// One step of a history log.
public struct HistoryRecord: Sendable, Equatable {
  /// Steps completed after this step (1 for the first).
  public var step: Int
  /// The loss before the step's update (NaN for a skipped step).
  public var loss: Double
  /// Cumulative cost in gradient-equivalents after the step.
  public var cost: Int
}

/// The append-only per-step history of a run, beside its checkpoints (`history.bin`), so that
/// memory and checkpoint size stay flat however long the run.
///
/// Format: the 16-byte header `saddlekit-hist1\n`, then one 24-byte little-endian record per
/// step: step (Int64), loss (Float64 bits; NaN for a skipped step), cumulative cost (Int64).
/// A checkpoint records how many bytes of records belong to it (``HistoryLogReference``); on
/// resume the log is cut back to that length, and steps undone by a rollback are cut too, so
/// the log holds exactly the kept steps. Records are buffered (at most 64 KiB) and written and
/// flushed (`fsync`) before every checkpoint.
public final class HistoryLog {
  /// The file name in the checkpoint directory.
  public static let fileName = "history.bin"
  /// The header bytes.
  public static let header = Array("saddlekit-hist1\n".utf8)
  /// Bytes per record.
  public static let recordBytes = 24

  let path: String
  let fd: Int32
  var buffer: [UInt8] = []
  /// Record bytes on disk (after the header).
  var written: Int

  /// Opens the log in `directory`, keeping the first `reference.length` bytes of records (none
  /// when `reference` is `nil`: a fresh log).
  ///
  /// - Throws: ``CheckpointError/historyLog(path:reason:)`` when the file cannot be opened or
  ///   holds fewer bytes than the reference says.
  public init(directory: URL, keeping reference: HistoryLogReference?) throws(CheckpointError) {
    path = directory.appendingPathComponent(Self.fileName).path
    do {
      try FileOutput.createDirectory(directory.path)
    } catch {
      throw .writeFailed(path: path, reason: "\(error.path): \(error.reason)")
    }
    let fd = open(path, O_RDWR | O_CREAT, 0o644)
    guard fd >= 0 else { throw .historyLog(path: path, reason: FileOutput.systemError()) }
    let keep = reference?.length ?? 0
    if reference != nil {
      if let problem = Self.check(fd: fd, keeping: keep) {
        close(fd)
        throw .historyLog(path: path, reason: problem)
      }
    } else {
      let header = Self.header
      let ok = header.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) } == header.count
      if !ok {
        let reason = FileOutput.systemError()
        close(fd)
        throw .historyLog(path: path, reason: reason)
      }
    }
    if ftruncate(fd, off_t(Self.header.count + keep)) != 0 {
      let reason = FileOutput.systemError()
      close(fd)
      throw .historyLog(path: path, reason: reason)
    }
    self.fd = fd
    self.written = keep
    buffer.reserveCapacity(1 << 16)
  }

  deinit { close(fd) }

  /// Why the log does not hold `length` bytes of records, if it does not.
  static func check(fd: Int32, keeping length: Int) -> String? {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return FileOutput.systemError() }
    var head = [UInt8](repeating: 0, count: header.count)
    let got = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
    if got != header.count || head != header {
      return "not a SaddleKit history log (no 'saddlekit-hist1' header)"
    }
    let available = Int(info.st_size) - header.count
    if available < length {
      return
        "holds \(available) bytes of records but the checkpoint references \(length) "
        + "(\(length / recordBytes) steps); the log was truncated or replaced"
    }
    return nil
  }

  /// Checks that the log in `directory` holds what `reference` says, without changing it.
  public static func verify(directory: URL, reference: HistoryLogReference)
    throws(CheckpointError)
  {
    let path = directory.appendingPathComponent(reference.file).path
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw .historyLog(path: path, reason: FileOutput.systemError()) }
    defer { close(fd) }
    if let problem = check(fd: fd, keeping: reference.length) {
      throw .historyLog(path: path, reason: problem)
    }
  }

  /// The records in the log's first `reference.length` bytes (or all, when `nil`).
  public static func read(directory: URL, reference: HistoryLogReference? = nil)
    throws(CheckpointError) -> [HistoryRecord]
  {
    let path = directory.appendingPathComponent(reference?.file ?? fileName).path
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .historyLog(path: path, reason: "cannot read")
    }
    guard data.count >= header.count, Array(data.prefix(header.count)) == header else {
      throw .historyLog(path: path, reason: "not a SaddleKit history log")
    }
    let available = data.count - header.count
    let length = reference?.length ?? (available - available % recordBytes)
    guard length <= available else {
      throw .historyLog(path: path, reason: "holds \(available) bytes, expected \(length)")
    }
    let bytes = Array(data)
    func int64(_ at: Int) -> UInt64 {
      var value: UInt64 = 0
      for k in 0..<8 { value |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
      return value
    }
    return stride(from: header.count, to: header.count + length, by: recordBytes).map { at in
      HistoryRecord(
        step: Int(Int64(bitPattern: int64(at))), loss: Double(bitPattern: int64(at + 8)),
        cost: Int(Int64(bitPattern: int64(at + 16))))
    }
  }

  /// Appends one step (buffered).
  public func append(step: Int, loss: Double, cost: Int) {
    func put(_ value: UInt64) {
      for k in 0..<8 { buffer.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) }
    }
    put(UInt64(bitPattern: Int64(step)))
    put(loss.bitPattern)
    put(UInt64(bitPattern: Int64(cost)))
    if buffer.count >= 1 << 16 { _ = writeBuffer() }
  }

  /// Drops the last `count` records (steps undone by a rollback).
  public func dropLast(_ count: Int) {
    let bytes = Swift.min(count * Self.recordBytes, written + buffer.count)
    if bytes <= buffer.count {
      buffer.removeLast(bytes)
    } else {
      written -= bytes - buffer.count
      buffer.removeAll(keepingCapacity: true)
      _ = ftruncate(fd, off_t(Self.header.count + written))
    }
  }

  /// Writes the buffered records; returns the error, if any.
  func writeBuffer() -> String? {
    guard !buffer.isEmpty else { return nil }
    var offset = 0
    while offset < buffer.count {
      let n = buffer.withUnsafeBytes { raw in
        pwrite(
          fd, raw.baseAddress! + offset, raw.count - offset,
          off_t(Self.header.count + written + offset))
      }
      if n < 0 {
        if errno == EINTR { continue }
        return FileOutput.systemError()
      }
      offset += n
    }
    written += buffer.count
    buffer.removeAll(keepingCapacity: true)
    return nil
  }

  /// Writes and flushes every record; returns the reference a checkpoint records.
  public func flush() throws(CheckpointError) -> HistoryLogReference {
    if let problem = writeBuffer() { throw .historyLog(path: path, reason: problem) }
    if fsync(fd) != 0 { throw .historyLog(path: path, reason: FileOutput.systemError()) }
    return reference
  }

  /// The reference to every record so far (buffered ones included).
  public var reference: HistoryLogReference {
    HistoryLogReference(
      file: Self.fileName, offset: Self.header.count, length: written + buffer.count)
  }
}

/// A lock file (`lock`) in a checkpoint directory, so that two runs cannot write into one
/// directory at once. It is created with `O_EXCL` and holds the owner's PID and host name; a
/// lock whose PID no longer runs on this host is stale and taken over. A process that already
/// holds the lock may acquire it again.
public enum CheckpointLock {
  /// The lock's file name.
  public static let fileName = "lock"

  static func hostName() -> String {
    var name = [CChar](repeating: 0, count: 256)
    gethostname(&name, name.count - 1)
    let bytes = name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
  }

  static func myContents() -> String { "pid \(getpid()) host \(hostName())\n" }

  /// Creates the lock in `directory` (creating the directory), takes over a stale one.
  ///
  /// - Throws: ``CheckpointError/locked(directory:holder:)`` when another live process holds
  ///   it, ``CheckpointError/writeFailed(path:reason:)`` when it cannot be created.
  public static func acquire(_ directory: URL) throws(CheckpointError) {
    let path = directory.appendingPathComponent(fileName).path
    do {
      try FileOutput.createDirectory(directory.path)
    } catch {
      throw .writeFailed(path: path, reason: "\(error.path): \(error.reason)")
    }
    let mine = myContents()
    for _ in 0..<3 {
      let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
      if fd >= 0 {
        let failure = FileOutput.writeAll(Data(mine.utf8), to: fd)
        close(fd)
        if let failure {
          unlink(path)
          throw .writeFailed(path: path, reason: failure)
        }
        return
      }
      guard errno == EEXIST else {
        throw .writeFailed(path: path, reason: FileOutput.systemError())
      }
      let theirs = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
      if theirs == mine { return }
      let parts = theirs.split(whereSeparator: { $0 == " " || $0 == "\n" })
      let pid = parts.count >= 4 && parts[0] == "pid" ? Int32(parts[1]) : nil
      let host = parts.count >= 4 && parts[2] == "host" ? String(parts[3]) : nil
      let holder = "PID \(pid.map(String.init) ?? "?") on \(host ?? "an unknown host")"
      guard let pid, let host, host == hostName() else {
        throw .locked(directory: directory.path, holder: holder)
      }
      if kill(pid, 0) == 0 || errno == EPERM {
        throw .locked(directory: directory.path, holder: holder)
      }
      // Stale: move it aside under a unique name, and remove it only if it is still the
      // stale lock we read (another process may have taken it over meanwhile).
      let aside = path + ".stale.\(getpid())"
      if rename(path, aside) == 0 {
        let moved = (try? String(contentsOfFile: aside, encoding: .utf8)) ?? ""
        if moved == theirs {
          unlink(aside)
        } else {
          _ = link(aside, path)
          unlink(aside)
        }
      }
    }
    throw .locked(directory: directory.path, holder: "contended")
  }

  /// Removes the lock if this process holds it.
  public static func release(_ directory: URL) {
    let path = directory.appendingPathComponent(fileName).path
    if (try? String(contentsOfFile: path, encoding: .utf8)) == myContents() { unlink(path) }
  }

  /// Whether this process holds the lock in `directory`.
  public static func isHeld(_ directory: URL) -> Bool {
    let path = directory.appendingPathComponent(fileName).path
    return (try? String(contentsOfFile: path, encoding: .utf8)) == myContents()
  }
}
