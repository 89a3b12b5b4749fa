"""Representative calibration sets for int8 quantization: real COCO person images from the train
split, letterboxed exactly as at inference, chosen deterministically for a seed."""
