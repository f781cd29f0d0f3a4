import Testing

@Test func placeholderSaddleTensorTests() { #expect(1 + 1 == 2) }
