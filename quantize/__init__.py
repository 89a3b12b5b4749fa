"""Post-training quantization of the PersonLab checkpoint into TFLite artifacts.

Modules, one job each:
  variants: the table of variants (name -> converter settings) and the conversion itself;
  sqnr:     per-head signal-to-quantization-noise ratio against the float model;
  mixed:    per-layer sensitivity (TFLite quantization debugger) and the search for the fewest
            float layers that keep the accuracy drop within a budget;
  build:    `quantize(...)`, which writes every requested variant with its metadata.

This package imports nothing heavy on import; artifacts run through personlab.runtime (no TensorFlow).
"""
