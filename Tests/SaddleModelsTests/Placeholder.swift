import Testing

@Test func placeholderSaddleModelsTests() { #expect(1 + 1 == 2) }
