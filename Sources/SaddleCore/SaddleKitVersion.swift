/// The package's version: what `saddle --version` prints. The one place it is written (see
/// CHANGELOG.md for what each version changed and how to migrate).
public enum SaddleKitVersion {
  /// Semantic version `0.MINOR.PATCH`: before 1.0, a minor bump may change public API.
  public static let string = "0.1.0"
}
