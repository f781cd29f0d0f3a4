@_exported import SaddleCore
@_exported import SaddleModels
@_exported import SaddleStudy
@_exported import SaddleTensor
