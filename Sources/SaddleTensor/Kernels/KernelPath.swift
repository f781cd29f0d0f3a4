import _SaddleKernels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The instruction-set path used by the matrix-multiply microkernels.
///
/// The C paths are compiled with `__attribute__((target(...)))` and chosen at run time with
/// `__builtin_cpu_supports`, so the package needs no `unsafeFlags`. The portable path is plain
/// Swift SIMD and runs everywhere.
public enum KernelPath: Int, Sendable, CaseIterable, CustomStringConvertible {
  /// Swift `SIMD16<Float>` 4×16 register tile over a packed panel of B.
  case portable = 0
  /// C 6×16 register tile with AVX2 + FMA.
  case avx2FMA = 1
  /// C register tiles with AVX-512F: 12×32, 8×32 (row counts 8 divides but 12 does not, up to
  /// 256) or 16×16 (at most 16 columns), chosen per call; all round alike.
  case avx512 = 2

  /// The fastest path this CPU supports.
  public static var best: KernelPath {
    KernelPath(rawValue: Int(saddle_kernels_best_path())) ?? .portable
  }

  /// The path used by default: ``best``, or ``portable`` when the environment variable
  /// `SADDLE_PORTABLE_KERNELS` is `1`.
  public static let selected: KernelPath = {
    if let flag = getenv("SADDLE_PORTABLE_KERNELS"), String(cString: flag) == "1" {
      return .portable
    }
    return best
  }()

  /// Whether this CPU can run the path.
  public var isSupported: Bool { rawValue <= KernelPath.best.rawValue }

  /// A short name: `portable`, `avx2+fma` or `avx512`.
  public var description: String {
    switch self {
    case .portable: "portable"
    case .avx2FMA: "avx2+fma"
    case .avx512: "avx512"
    }
  }
}
