import Testing
@Test func placeholderSaddleKitTests() { #expect(1 + 1 == 2) }
