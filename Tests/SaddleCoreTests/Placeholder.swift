import Testing
@Test func placeholderSaddleCoreTests() { #expect(1 + 1 == 2) }
