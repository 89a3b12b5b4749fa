# The front door: every target is a thin call of `personlab <subcommand>`.
# `make pipeline` and `make test` work on a fresh machine: they build the venv they need.

PYTHON  ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)
COCO_DIR    ?= ../shared/coco_person
WEIGHTS_DIR ?= ../shared/weights
export COCO_DIR WEIGHTS_DIR

CHECKPOINT := checkpoints/personlab_mobilenet_v1_075
REPORTS    := reports
ARTIFACTS  := artifacts
CALIBRATION := $(ARTIFACTS)/calibration

.PHONY: setup pipeline train calibrate export quantize evaluate report bench test lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps onnx2tf==1.29.24 tf_keras==2.21.0
	rm -f $(VENV)/.installed-* && touch $@

# The main job, from the committed checkpoint on the embedded default data: every artifact
# (float32, float16, ONNX, ONNX->TFLite, dynamic-range, full int8, int8 float I/O, int16x8,
# mixed precision, each with its metadata) and the checkpoint's COCO val keypoint + mask AP.
pipeline: export quantize evaluate

# Reproduces the committed checkpoint: BodyPix 2.0 MobileNetV1 0.50 with its five heads fine-tuned on the
# train split (the trunk stays BodyPix's; README "Results" says why). About 6 minutes on 2 CPU cores.
train: setup
	$(BIN)/personlab train --init bodypix --backbone mobilenet_v1 --alpha 0.75 --trainable heads --epochs 40 --lr 1e-3 \
		--out runs/train --export-checkpoint $(CHECKPOINT)

# Representative set: up to 300 random train images, letterboxed at 513x513 (never val).
calibrate: $(CALIBRATION)/manifest.json

$(CALIBRATION)/manifest.json: | setup
	$(BIN)/personlab calibrate --out $(CALIBRATION)

export: setup
	$(BIN)/personlab export --model $(CHECKPOINT).json --out $(ARTIFACTS)

quantize: setup calibrate
	$(BIN)/personlab quantize --model $(CHECKPOINT).json --calibration $(CALIBRATION) --out $(ARTIFACTS)

evaluate: setup
	$(BIN)/personlab evaluate --model $(CHECKPOINT).json --split val --out $(REPORTS)/eval_$(notdir $(CHECKPOINT))
	$(MAKE) report

# Issue 5's quantization report: every artifact and Google's anchors on val (size, latency, AP, SQNR,
# calibration study, plots) -> reports/quantization/; builds the artifacts it misses. About 11 min on 2 cores.
report: setup
	$(BIN)/personlab report --model $(CHECKPOINT).json --artifacts $(ARTIFACTS) --calibration $(CALIBRATION) \
		--out $(REPORTS)/quantization

# Timings on this machine (never asserted in tests): the mobile decoder at 0/1/5/15 people and
# model + decoder end to end, through the shipped full-integer artifact -> reports/bench/.
INT8_ARTIFACT := $(ARTIFACTS)/$(notdir $(CHECKPOINT))_513x513_full_int8.tflite

$(INT8_ARTIFACT):
	$(MAKE) quantize

bench: setup $(INT8_ARTIFACT) android-bench
	$(BIN)/personlab bench --model $(INT8_ARTIFACT) --out $(REPORTS)/bench

# The suite: ruff, pytest, and the Java core's JUnit tests (android_demo/android.mk).
test: setup lint android-test
	$(BIN)/pytest -q

# ruff, and the layer contracts of DESIGN.md (pyproject.toml [tool.importlinter]).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf runs $(ARTIFACTS) .pytest_cache .ruff_cache

include android_demo/android.mk
