package org.personlab.mobile.core;

import java.util.Map;

/**
 * Decoder parameters (lengths in input pixels). Their values come from the artifact's metadata
 * ("decoder": the exporter's defaults, snake_case), never from this class; fields are public so the app
 * can override some (threshold sliders). vote_stride is only used by the Python reference decoder.
 */
public final class DecoderConfig {
    public double heatmapFloor;
    public double voteSigma;
    public double peakThreshold;
    public int centroidSteps;
    public int maxCandidates;
    public double nmsRadius;
    public int refineSteps;
    public double minScale;
    public double keypointFloor;
    public double minPersonScore;
    public int maxPeople;
    public boolean longRangeRecovery;
    public int maskStride;
    public double segThreshold;
    public int maskRefineSteps;
    public double maskDistance;
    public double maskMinScore;

    private DecoderConfig() {
    }

    /** The artifact's decoder defaults, a fresh copy each call (the fields are mutable). */
    public static DecoderConfig from(Metadata meta) {
        Map<String, Object> d = meta.decoder;
        DecoderConfig c = new DecoderConfig();
        try {
            c.heatmapFloor = number(d, "heatmap_floor");
            c.voteSigma = number(d, "vote_sigma");
            c.peakThreshold = number(d, "peak_threshold");
            c.centroidSteps = integer(d, "centroid_steps");
            c.maxCandidates = integer(d, "max_candidates");
            c.nmsRadius = number(d, "nms_radius");
            c.refineSteps = integer(d, "refine_steps");
            c.minScale = number(d, "min_scale");
            c.keypointFloor = number(d, "keypoint_floor");
            c.minPersonScore = number(d, "min_person_score");
            c.maxPeople = integer(d, "max_people");
            c.longRangeRecovery = flag(d, "long_range_recovery");
            c.maskStride = integer(d, "mask_stride");
            c.segThreshold = number(d, "seg_threshold");
            c.maskRefineSteps = integer(d, "mask_refine_steps");
            c.maskDistance = number(d, "mask_distance");
            c.maskMinScore = number(d, "mask_min_score");
        } catch (IllegalArgumentException | ClassCastException err) {
            throw new MetadataException("metadata decoder settings: " + err.getMessage(), err);
        }
        if (c.voteSigma <= 0 || c.maskStride < 1 || c.maxPeople < 0 || c.maxCandidates < 0) {
            throw new MetadataException("metadata decoder settings: vote_sigma " + c.voteSigma + " and mask_stride "
                    + c.maskStride + " must be > 0, max_people and max_candidates >= 0");
        }
        return c;
    }

    private static double number(Map<String, Object> d, String name) {
        return Json.number(d.get(name), "decoder." + name);
    }

    private static int integer(Map<String, Object> d, String name) {
        return Json.integer(d.get(name), "decoder." + name);
    }

    private static boolean flag(Map<String, Object> d, String name) {
        Object v = d.get(name);
        if (!(v instanceof Boolean)) {
            throw new IllegalArgumentException("decoder." + name + " is " + v + ", not true or false");
        }
        return (Boolean) v;
    }
}
