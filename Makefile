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
MODEL      := $(CHECKPOINT).json $(CHECKPOINT).weights.h5
REPORTS    := reports
ARTIFACTS  := artifacts
CALIBRATION := $(ARTIFACTS)/calibration
# What an artifact's bytes and metadata come from besides the checkpoint: a change here rebuilds.
BUILD_CODE := $(wildcard export/*.py quantize/*.py calibration/*.py) \
	$(addprefix personlab/,model.py spec.py decoder_config.py checkpoint.py geometry.py bodypix.py)
# What a calibration set comes from: the train images chosen, letterboxed.
CALIBRATION_CODE := $(wildcard calibration/*.py) $(addprefix personlab/,data.py geometry.py spec.py)
# full_int8 at these input sizes besides 513x513: Google's operating points, PoseNet's 353x481 and
# BodyPix's 720x1280 (as stride*k+1); and at output stride 8 (the same weights, dilated: finer grids).
SIZES         := 353x481 721x1281
STRIDE8_SIZES := 353x481
# `make frontier` adds a sweep chosen before measuring: squares, 4:3 camera frames in landscape and
# portrait, a step between, stride 8 at 257x257 and at the larger ones; and the int16x8 variant (no fast
# CPU kernels: about a second per invoke, minutes to evaluate).
FRONTIER_SIZES         := 257x257 385x385 385x513 513x385 481x641 641x481 513x705
FRONTIER_STRIDE8_SIZES := 257x257 481x641 513x513
SIZE_CALIBRATION := 128
# The variants `make quantize` builds at 513x513 (int16x8 is the frontier's).
VARIANTS := dynamic_range full_int8 int8_float_io mixed
# The calibration study: full_int8 at 513x513 from other calibration sets (strategy_images).
CALIBRATION_STUDY := random_8 random_32 random_128 stratified_8 stratified_32 stratified_128 stratified_300

# Calibration sets are made by one rule for another's sake: keep them (make would delete them as intermediates).
.PRECIOUS: $(ARTIFACTS)/sizes/%/calibration/manifest.json

.PHONY: setup pipeline artifacts frontier calibration-study decoder-study train calibrate export quantize evaluate report bench \
	track-bench test lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps onnx2tf==1.29.24 tf_keras==2.21.0
	rm -f $(VENV)/.installed-* && touch $@

# The main job, from the committed checkpoint on the embedded default data: every artifact (float32,
# float16, ONNX, ONNX->TFLite, VARIANTS, full int8 at SIZES and STRIDE8_SIZES, BodyPix 0.50 imported; each
# with its metadata), then the report that measures them. Each step is skipped when its outputs are newer
# than the checkpoint and the code that builds them. The builds run BUILD_JOBS at a time (each is mostly
# one core: TFLite calibration and conversion), then the report measures them all.
BUILD_JOBS ?= 2
define build_then_report
	$(MAKE) --no-print-directory -j$(BUILD_JOBS) $(1)
	$(MAKE) --no-print-directory report
endef

pipeline: setup
	$(call build_then_report,artifacts)

artifacts: $(ARTIFACTS)/.export.done $(ARTIFACTS)/.quantize.done $(SIZES:%=$(ARTIFACTS)/sizes/%/.done) \
	$(STRIDE8_SIZES:%=$(ARTIFACTS)/sizes_s8/%/.done) $(ARTIFACTS)/imported/.done

# The wider sweep, measured by the report with the rest.
frontier: setup
	$(call build_then_report,artifacts $(FRONTIER_SIZES:%=$(ARTIFACTS)/sizes/%/.done) \
		$(FRONTIER_STRIDE8_SIZES:%=$(ARTIFACTS)/sizes_s8/%/.done) $(ARTIFACTS)/.int16x8.done)

calibration-study: setup
	$(call build_then_report,artifacts $(CALIBRATION_STUDY:%=$(ARTIFACTS)/calibration_study/%/.done))

# Reproduces the committed checkpoint: BodyPix 2.0 MobileNetV1 0.75 with its five heads fine-tuned on the
# train split (the trunk stays BodyPix's; README "Results" says why). About 6 minutes on 2 CPU cores.
RECIPE := --init bodypix --backbone mobilenet_v1 --alpha 0.75 --trainable heads --epochs 40 --lr 1e-3

train: setup
	$(BIN)/personlab train $(RECIPE) --out runs/train --export-checkpoint $(CHECKPOINT)

# Representative set: up to 300 random train images, letterboxed at 513x513 (never val).
calibrate: $(CALIBRATION)/manifest.json

$(CALIBRATION)/manifest.json: $(CALIBRATION_CODE) | setup
	$(BIN)/personlab calibrate --out $(CALIBRATION)

export: $(ARTIFACTS)/.export.done

$(ARTIFACTS)/.export.done: $(MODEL) $(BUILD_CODE) | setup
	$(BIN)/personlab export --model $(CHECKPOINT).json --out $(ARTIFACTS)
	touch $@

quantize: $(ARTIFACTS)/.quantize.done

$(ARTIFACTS)/.quantize.done: $(MODEL) $(BUILD_CODE) $(CALIBRATION)/manifest.json | setup
	$(BIN)/personlab quantize --model $(CHECKPOINT).json --calibration $(CALIBRATION) --variants $(VARIANTS) \
		--out $(ARTIFACTS)
	touch $@

$(ARTIFACTS)/.int16x8.done: $(MODEL) $(BUILD_CODE) $(CALIBRATION)/manifest.json | setup
	$(BIN)/personlab quantize --model $(CHECKPOINT).json --calibration $(CALIBRATION) --variants int16x8 \
		--out $(ARTIFACTS)
	touch $@

# full_int8 at one more input size (its own calibration set: SIZE_CALIBRATION random train images,
# shared by both strides).
$(ARTIFACTS)/sizes/%/calibration/manifest.json: $(CALIBRATION_CODE) | setup
	$(BIN)/personlab calibrate --input-size $* --size $(SIZE_CALIBRATION) --out $(@D)

$(ARTIFACTS)/sizes/%/.done: $(MODEL) $(BUILD_CODE) $(ARTIFACTS)/sizes/%/calibration/manifest.json | setup
	$(BIN)/personlab quantize --model $(CHECKPOINT).json --variants full_int8 --input-size $* --sqnr-images 0 \
		--calibration $(@D)/calibration --out $(@D)
	touch $@

$(ARTIFACTS)/sizes_s8/%/.done: $(MODEL) $(BUILD_CODE) $(ARTIFACTS)/sizes/%/calibration/manifest.json | setup
	$(BIN)/personlab quantize --model $(CHECKPOINT).json --variants full_int8 --input-size $* --sqnr-images 0 \
		--stride 8 --calibration $(ARTIFACTS)/sizes/$*/calibration --out $(@D)
	touch $@

$(ARTIFACTS)/calibration_study/%/.done: $(MODEL) $(BUILD_CODE) | setup
	$(BIN)/personlab calibrate --strategy $(word 1,$(subst _, ,$*)) --size $(word 2,$(subst _, ,$*)) \
		--out $(@D)/calibration
	$(BIN)/personlab quantize --model $(CHECKPOINT).json --variants full_int8 --sqnr-images 0 \
		--calibration $(@D)/calibration --out $(@D)
	touch $@

# Google's BodyPix 2.0 MobileNetV1 0.50 through our importer (no training), as float32 TFLite: an anchor.
$(ARTIFACTS)/imported/.done: $(BUILD_CODE) | setup
	$(BIN)/personlab import-bodypix --out $(ARTIFACTS)/imported/bodypix_050 \
		--model-json $(WEIGHTS_DIR)/bodypix_tfjs/mobilenet_float_050/model-stride16.json
	$(BIN)/personlab export --model $(ARTIFACTS)/imported/bodypix_050.json --formats float32 --out $(ARTIFACTS)/imported
	touch $@

# The checkpoint's COCO val AP through the float reference decoder (the report also shows it).
evaluate: setup
	$(BIN)/personlab evaluate --model $(CHECKPOINT).json --split val --out $(REPORTS)/eval_$(notdir $(CHECKPOINT))

# The decoder settings, measured on held-back train images (never val): the shipped RECIPE trained without
# the first HELD_BACK train images (about 6 minutes; a rerun reuses the finished run), then COCO AP of its
# Keras float outputs through the mobile decoder under a grid of settings, one changed at a time
# -> reports/decoder/. About 3 minutes more on 2 cores.
HELD_BACK  := 60
DECODER_STUDY_SIZES := 353x481 513x513

decoder-study: setup
	$(BIN)/personlab train $(RECIPE) --holdout $(HELD_BACK) --out runs/heldback_$(HELD_BACK)
	for size in $(DECODER_STUDY_SIZES); do \
		$(BIN)/personlab tune-decoder --model runs/heldback_$(HELD_BACK)/checkpoint.json --split train \
			--limit $(HELD_BACK) --input-size $$size --out $(REPORTS)/decoder/heldback_$$size.md || exit 1; \
	done

# Measures what `make artifacts` built (never builds; cached by artifact sha256) -> reports/quantization/
# and the README's results block.
report: setup
	$(BIN)/personlab report --model $(CHECKPOINT).json --artifacts $(ARTIFACTS) --imported $(ARTIFACTS)/imported \
		--out $(REPORTS)/quantization --readme README.md

# Timings on this machine (never asserted in tests): the mobile decoder at 0/1/5/15 people and
# model + decoder end to end, through the shipped full-integer artifact -> reports/bench/.
INT8_ARTIFACT := $(ARTIFACTS)/$(notdir $(CHECKPOINT))_513x513_full_int8.tflite

$(INT8_ARTIFACT): $(ARTIFACTS)/.quantize.done

bench: setup $(INT8_ARTIFACT) android-bench track-bench
	$(BIN)/personlab bench --model $(INT8_ARTIFACT) --out $(REPORTS)/bench

# Tracking on the real clips of ../shared/videos: track ids against the people in each, identity switches,
# keypoint jitter raw/smoothed, lag, tracker time per frame at 5 people (Python, Java) and video fps of the
# long mp4 end to end -> reports/bench/tracking.json and .md. About 2 minutes on 2 cores.
track-bench: setup $(INT8_ARTIFACT) android-track-bench
	$(BIN)/personlab track-bench --model $(INT8_ARTIFACT) --out $(REPORTS)/bench

# The suite: ruff, pytest, and the Java core's JUnit tests (android_demo/android.mk).
test: setup lint android-test
	$(BIN)/pytest -q

# ruff (lint rules and formatting), and the layer contracts of DESIGN.md (pyproject.toml [tool.importlinter]).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf runs $(ARTIFACTS) .pytest_cache .ruff_cache

include android_demo/android.mk
