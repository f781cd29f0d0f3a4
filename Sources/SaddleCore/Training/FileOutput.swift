import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file that could not be written, with the operating system's reason (e.g. "No space left
/// on device", "Not a directory").
public struct FileOutputError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The path that could not be written.
  public var path: String
  /// Why, in one line.
  public var reason: String

  public var description: String { "cannot write '\(path)': \(reason)" }
}

/// Writing results safely: whole files atomically (temporary file in the same directory,
/// `fsync`, rename, `fsync` of the directory — a crash leaves the old file or the new one),
/// streams (traces) with every error reported.
///
/// A path that exists and is not a regular file (a device such as `/dev/stdout` or
/// `/dev/full`, a FIFO) is written in place: renaming over it would replace the device.
public enum FileOutput {
  /// The message for the current `errno`.
  public static func systemError() -> String { String(cString: strerror(errno)) }

  /// Writes `data` to `path` atomically (or in place for non-regular files).
  public static func write(_ data: Data, to path: String) throws(FileOutputError) {
    if isSpecialFile(path) {
      try writeInPlace(data, to: path)
      return
    }
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    let temporary =
      (directory as NSString).appendingPathComponent(
        ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw FileOutputError(path: path, reason: systemError()) }
    var failure = writeAll(data, to: fd)
    if failure == nil && fsync(fd) != 0 { failure = systemError() }
    if close(fd) != 0 && failure == nil { failure = systemError() }
    if failure == nil && rename(temporary, path) != 0 { failure = systemError() }
    if let failure {
      unlink(temporary)
      throw FileOutputError(path: path, reason: failure)
    }
    let directoryDescriptor = open(directory, O_RDONLY)
    if directoryDescriptor >= 0 {
      _ = fsync(directoryDescriptor)
      close(directoryDescriptor)
    }
  }

  /// Opens `path` for streaming output (created or truncated; never replaced by a rename).
  public static func openForStreaming(_ path: String) throws(FileOutputError) -> FileHandle {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw FileOutputError(path: path, reason: systemError()) }
    return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
  }

  /// Creates `directory` and its parents, reporting the system's reason on failure.
  public static func createDirectory(_ directory: String) throws(FileOutputError) {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
      if isDirectory.boolValue { return }
      throw FileOutputError(path: directory, reason: "exists and is not a directory")
    }
    let parent = (directory as NSString).deletingLastPathComponent
    if !parent.isEmpty && parent != directory { try createDirectory(parent) }
    if mkdir(directory, 0o755) != 0 && errno != EEXIST {
      throw FileOutputError(path: directory, reason: systemError())
    }
  }

  /// One line for a Foundation file error: the POSIX reason when there is one.
  public static func describe(_ error: any Error) -> String {
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain
    {
      return String(cString: strerror(Int32(underlying.code)))
    }
    return ns.localizedDescription.replacingOccurrences(of: "\n", with: " ")
  }

  static func isSpecialFile(_ path: String) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0 else { return false }
    return (info.st_mode & S_IFMT) != S_IFREG
  }

  static func writeInPlace(_ data: Data, to path: String) throws(FileOutputError) {
    let fd = open(path, O_WRONLY | O_TRUNC)
    guard fd >= 0 else { throw FileOutputError(path: path, reason: systemError()) }
    var failure = writeAll(data, to: fd)
    if close(fd) != 0 && failure == nil { failure = systemError() }
    if let failure { throw FileOutputError(path: path, reason: failure) }
  }

  /// Writes every byte, retrying on `EINTR`; returns the error message, if any.
  static func writeAll(_ data: Data, to fd: Int32) -> String? {
    data.withUnsafeBytes { raw -> String? in
      var offset = 0
      while offset < raw.count {
        let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          return systemError()
        }
        offset += written
      }
      return nil
    }
  }
}
