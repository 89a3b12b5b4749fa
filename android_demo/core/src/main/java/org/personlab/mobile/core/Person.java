package org.personlab.mobile.core;

/** One decoded person: keypoints in model-input pixels, expected-OKS keypoint scores, scale (sqrt area). */
public final class Person {
    public final double[] y; // (K,) input pixels
    public final double[] x; // (K,)
    public final double[] scores; // (K,) 0 where an earlier person claimed the keypoint
    public final double scale;
    public final double score; // mean keypoint score

    Person(double[] y, double[] x, double[] scores, double scale) {
        this.y = y;
        this.x = x;
        this.scores = scores;
        this.scale = scale;
        this.score = NpMath.sum(scores, 0, scores.length) / scores.length;
    }

    public int numKeypoints() {
        return scores.length;
    }
}
