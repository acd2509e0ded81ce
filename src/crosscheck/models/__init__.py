"""Models: the embedder, the stance scorer (labels and decision rule, passages, relatedness gate, time rule,
calibration) and the ONNX Runtime backend they run on."""
