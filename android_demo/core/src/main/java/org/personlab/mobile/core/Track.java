package org.personlab.mobile.core;

/**
 * A tracked person of one frame. A {@link Tracker} reuses its Track objects: their values hold until its
 * next update.
 */
public final class Track {
    /** Stable across frames, from 0 in order of confirmation. */
    public int id;
    /** Position of its person in the list given to {@link Tracker#update}. */
    public int index;
    /** Smoothed keypoints in model-input pixels (the raw ones when smoothing is off or the track is new). */
    public final double[] y;
    public final double[] x;
    /** The person's keypoint scores this frame. */
    public final double[] scores;
    public double scale;

    Track(int numKeypoints) {
        y = new double[numKeypoints];
        x = new double[numKeypoints];
        scores = new double[numKeypoints];
    }
}
