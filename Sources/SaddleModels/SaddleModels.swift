enum SaddleModelsNamespace {}
