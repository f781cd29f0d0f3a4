enum SaddleTensorNamespace {}
