package org.personlab.mobile.core;

import java.util.Map;

/**
 * Tracking and smoothing settings (times in seconds, rates in Hz). Their values come from the artifact's
 * metadata ("tracker": personlab/decoder_config.py's TrackerConfig, snake_case), never from this class;
 * fields are public so the app can override some (smoothing off, say) before building a {@link Tracker}.
 */
public final class TrackerConfig {
    public double minPersonScore;
    public double keypointFloor;
    public int minKeypoints;
    public double minSimilarity;
    public int minHits;
    public double maxAgeS;
    public int maxTracks;
    public boolean smoothing;
    public double minCutoffHz;
    public double beta;
    public double dCutoffHz;

    private TrackerConfig() {
    }

    /** The artifact's tracker defaults, a fresh copy each call; MetadataException when the section is missing. */
    public static TrackerConfig from(Metadata meta) {
        Object section = meta.json.get("tracker");
        if (!(section instanceof Map)) {
            throw new MetadataException("metadata has no tracker settings (a \"tracker\" object): rebuild the artifact");
        }
        Map<String, Object> d = Json.object(section, "tracker");
        TrackerConfig c = new TrackerConfig();
        try {
            c.minPersonScore = number(d, "min_person_score");
            c.keypointFloor = number(d, "keypoint_floor");
            c.minKeypoints = Json.integer(d.get("min_keypoints"), "tracker.min_keypoints");
            c.minSimilarity = number(d, "min_similarity");
            c.minHits = Json.integer(d.get("min_hits"), "tracker.min_hits");
            c.maxAgeS = number(d, "max_age_s");
            c.maxTracks = Json.integer(d.get("max_tracks"), "tracker.max_tracks");
            Object smoothing = d.get("smoothing");
            if (!(smoothing instanceof Boolean)) {
                throw new IllegalArgumentException("tracker.smoothing is " + smoothing + ", not true or false");
            }
            c.smoothing = (Boolean) smoothing;
            c.minCutoffHz = number(d, "min_cutoff_hz");
            c.beta = number(d, "beta");
            c.dCutoffHz = number(d, "d_cutoff_hz");
        } catch (IllegalArgumentException | ClassCastException err) {
            throw new MetadataException("metadata tracker settings: " + err.getMessage(), err);
        }
        if (c.maxTracks < 1 || c.minCutoffHz < 0 || c.beta < 0 || c.dCutoffHz <= 0) {
            throw new MetadataException("metadata tracker settings: max_tracks " + c.maxTracks + " must be >= 1, "
                    + "d_cutoff_hz " + c.dCutoffHz + " > 0, min_cutoff_hz and beta >= 0");
        }
        return c;
    }

    private static double number(Map<String, Object> d, String name) {
        return Json.number(d.get(name), "tracker." + name);
    }
}
