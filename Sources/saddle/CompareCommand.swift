import SaddleKit

enum CompareCommand {
  static func run(_ arguments: [String], registry: Registry) throws {
    throw RunError("saddle compare: waiting for the problem catalog")
  }
}
