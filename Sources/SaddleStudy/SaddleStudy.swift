/// Placeholder until the study runner lands.
enum SaddleStudyNamespace {}
