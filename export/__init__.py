"""Artifacts for phones: TFLite (float32, float16), ONNX, and ONNX -> TFLite, each with its metadata."""
