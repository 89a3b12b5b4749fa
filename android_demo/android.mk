# android_demo targets, included from the top-level Makefile (run from the repo root: `make android-test`).
# Standalone: `make -f android_demo/android.mk android-test`.
#
#   android-test      pure-Java core (decoder, metadata, frame conversion, view geometry, tracker) + JUnit 4 tests, no Android SDK
#   android-bench     Java decoder timings and allocations on the golden frames, preprocessing -> reports/bench/java_decoder.json;
#                     its worst case on hostile outputs -> reports/bench/java_hostile.json
#   android-fixtures  regenerate the golden fixtures from the shipped full-int8 artifact (Python mobile decoder)
#   android-tracking-fixtures  the Java tracker's golden fixtures (Python tracker on real clips, same artifact)
#   android-track-bench  Java tracker + One Euro filter time per frame at 5 people -> reports/bench/java_tracker.json
#   android-assets    copy the shipped models (full int8 for CPU / NNAPI at 513x513 and every other input size
#                     and stride built, float16 for GPU) into android_demo/app/src/main/assets/ for the app
#   android-device-fixtures  the golden frames as PNG for the on-device test (connectedAndroidTest)
#   android-apk       ./gradlew assembleDebug (needs the Android SDK: ANDROID_HOME or local.properties)
#
# Needs only a JDK (javac, java) and JUnit 4; both come from apt when missing.

ANDROID_DIR      := android_demo
ANDROID_CORE     := $(ANDROID_DIR)/core
ANDROID_BUILD    := $(ANDROID_CORE)/build
ANDROID_GOLDEN   := $(ANDROID_CORE)/src/test/resources/golden
ANDROID_TRACKING := $(ANDROID_CORE)/src/test/resources/tracking
ANDROID_ASSETS   := $(ANDROID_DIR)/app/src/main/assets
ANDROID_ARTS     := artifacts
ANDROID_MODEL    := personlab_mobilenet_v1_075_513x513
ANDROID_INT8     := $(ANDROID_ARTS)/$(ANDROID_MODEL)_full_int8.tflite
ANDROID_FP16     := $(ANDROID_ARTS)/$(ANDROID_MODEL)_float16.tflite
# recursive (=): BIN may be defined after this file is included
ANDROID_PY        = $(or $(BIN),.venv/bin)/python
ANDROID_JUNIT_CP := /usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar
ANDROID_JAVAC    := javac --release 8 -encoding UTF-8 -Xlint:all,-options -Werror
ANDROID_TESTS    := org.personlab.mobile.core.JsonTest org.personlab.mobile.core.LetterboxTest \
                    org.personlab.mobile.core.EdgeCaseTest org.personlab.mobile.core.FloatHeadsTest \
                    org.personlab.mobile.core.GoldenParityTest \
                    org.personlab.mobile.core.FrameConverterTest org.personlab.mobile.core.ViewTransformTest \
                    org.personlab.mobile.core.TfliteMetadataTest org.personlab.mobile.core.AppLogicTest \
                    org.personlab.mobile.core.TrackerParityTest

.PHONY: android-jdk android-core android-test android-bench android-fixtures android-assets android-device-fixtures android-apk android-clean \
	android-tracking-fixtures android-track-bench

# JDK + JUnit 4 from apt when missing (needs root or sudo, and package-index access).
android-jdk:
	@if ! command -v javac >/dev/null 2>&1 || ! test -f /usr/share/java/junit4.jar; then \
		echo "installing default-jdk-headless junit4 (apt)"; \
		SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq default-jdk-headless junit4 >/dev/null; \
	fi

android-core: android-jdk
	rm -rf $(ANDROID_BUILD)/classes $(ANDROID_BUILD)/test-classes $(ANDROID_BUILD)/bench-classes
	$(ANDROID_JAVAC) -d $(ANDROID_BUILD)/classes $$(find $(ANDROID_CORE)/src/main/java -name '*.java')
	$(ANDROID_JAVAC) -cp $(ANDROID_BUILD)/classes:$(ANDROID_JUNIT_CP) -d $(ANDROID_BUILD)/test-classes \
		$$(find $(ANDROID_CORE)/src/test/java -name '*.java')
	$(ANDROID_JAVAC) -cp $(ANDROID_BUILD)/classes -d $(ANDROID_BUILD)/bench-classes \
		$$(find $(ANDROID_CORE)/src/bench/java -name '*.java')

android-test: android-core
	java -Dpersonlab.artifact=$(ANDROID_INT8) -cp $(ANDROID_BUILD)/classes:$(ANDROID_BUILD)/test-classes:$(ANDROID_CORE)/src/test/resources:$(ANDROID_JUNIT_CP) \
		org.junit.runner.JUnitCore $(ANDROID_TESTS)

# Hostile outputs at the shipped size and at a 720p frame: metadata from the Python spec, outputs made in Java.
ANDROID_HOSTILE := 513x513 721x1281

android-bench: android-core
	java -cp $(ANDROID_BUILD)/classes:$(ANDROID_BUILD)/bench-classes org.personlab.mobile.core.DecoderBench $(ANDROID_GOLDEN) reports/bench/java_decoder.json 200 10
	test -x $(ANDROID_PY) || $(MAKE) setup
	mkdir -p $(ANDROID_BUILD)/hostile
	$(ANDROID_PY) -c "import json, sys; from personlab import spec; \
		[open(f'$(ANDROID_BUILD)/hostile/{s}.json', 'w').write(json.dumps(spec.float_metadata(16, tuple(map(int, s.split('x')))))) \
		for s in sys.argv[1:]]" $(ANDROID_HOSTILE)
	java -cp $(ANDROID_BUILD)/classes:$(ANDROID_BUILD)/bench-classes org.personlab.mobile.core.HostileBench \
		reports/bench/java_hostile.json $(ANDROID_HOSTILE:%=$(ANDROID_BUILD)/hostile/%.json)

android-fixtures:
	test -x $(ANDROID_PY) || $(MAKE) setup
	test -f $(ANDROID_INT8) || $(MAKE) quantize
	$(ANDROID_PY) $(ANDROID_DIR)/tools/make_golden.py --artifact $(ANDROID_INT8) --out $(ANDROID_GOLDEN)

android-tracking-fixtures:
	test -x $(ANDROID_PY) || $(MAKE) setup
	test -f $(ANDROID_INT8) || $(MAKE) quantize
	$(ANDROID_PY) $(ANDROID_DIR)/tools/make_tracking_golden.py --artifact $(ANDROID_INT8) --out $(ANDROID_TRACKING)

android-track-bench: android-core
	java -cp $(ANDROID_BUILD)/classes:$(ANDROID_BUILD)/bench-classes org.personlab.mobile.core.TrackerBench $(ANDROID_TRACKING) reports/bench/java_tracker.json 200 50

# full_int8: CPU (XNNPACK) and NNAPI; float16: GPU (the app picks by backend). The app reads each model's
# embedded metadata; the JSON files travel along for people reading the assets.
android-assets:
	test -f $(ANDROID_INT8) || $(MAKE) quantize
	test -f $(ANDROID_FP16) || $(MAKE) export
	mkdir -p $(ANDROID_ASSETS)
	for f in $(ANDROID_ARTS)/personlab_*_full_int8.tflite $(ANDROID_ARTS)/personlab_*_float16.tflite \
		$(ANDROID_ARTS)/sizes*/*/personlab_*_full_int8.tflite; do \
		[ -e $$f ] || continue; cp $$f $${f%.tflite}.json $(ANDROID_ASSETS)/ || exit 1; done
	@ls -l $(ANDROID_ASSETS)

android-device-fixtures:
	test -x $(ANDROID_PY) || $(MAKE) setup
	$(ANDROID_PY) $(ANDROID_DIR)/tools/make_device_fixtures.py

android-apk: android-assets
	cd $(ANDROID_DIR) && ./gradlew assembleDebug

android-clean:
	rm -rf $(ANDROID_BUILD) $(ANDROID_DIR)/app/build $(ANDROID_DIR)/build $(ANDROID_DIR)/.gradle
