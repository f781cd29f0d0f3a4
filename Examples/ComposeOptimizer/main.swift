import SaddleKit
print("example")
