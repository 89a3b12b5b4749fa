package org.personlab.mobile.core;

/**
 * Decoder parameters, the defaults of personlab/decoder_config.py (lengths in input pixels).
 * vote_stride is only used by the Python reference decoder and is not here.
 */
public final class DecoderConfig {
    public double heatmapFloor = 0.01;
    public double voteSigma = 2.0;
    public double peakThreshold = 0.05;
    public int centroidSteps = 3;
    public int maxCandidates = 500;
    public double nmsRadius = 10.0;
    public int refineSteps = 2;
    public double minScale = 16.0;
    public double keypointFloor = 0.1;
    public double minPersonScore = 0.02;
    public int maxPeople = 30;
    public boolean longRangeRecovery = true;
    public int maskStride = 2;
    public double segThreshold = 0.5;
    public int maskRefineSteps = 1;
    public double maskDistance = 0.5;
    public double maskMinScore = 0.1;

    /** The shared defaults (a fresh copy each call: the fields are mutable). */
    public static DecoderConfig defaults() {
        return new DecoderConfig();
    }
}
