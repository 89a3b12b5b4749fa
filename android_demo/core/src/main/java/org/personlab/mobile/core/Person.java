package org.personlab.mobile.core;

/**
 * One decoded person: keypoints in model-input pixels, expected-OKS keypoint scores, scale (sqrt area).
 * A {@link Decoder} reuses its Person objects: their values hold until its next decode ({@link #copy} keeps them).
 */
public final class Person {
    public final double[] y; // (K,) input pixels
    public final double[] x; // (K,)
    public final double[] scores; // (K,) 0 where an earlier person claimed the keypoint
    public double scale;
    public double score; // mean keypoint score

    Person(double[] y, double[] x, double[] scores, double scale) {
        this.y = y;
        this.x = x;
        this.scores = scores;
        this.scale = scale;
        this.score = NpMath.sum(scores, 0, scores.length) / scores.length;
    }

    Person(int numKeypoints) {
        this(new double[numKeypoints], new double[numKeypoints], new double[numKeypoints], 0.0);
    }

    /** Overwrites this person (the decoder's reuse). */
    void set(double[] y, double[] x, double[] scores, double scale) {
        System.arraycopy(y, 0, this.y, 0, this.y.length);
        System.arraycopy(x, 0, this.x, 0, this.x.length);
        System.arraycopy(scores, 0, this.scores, 0, this.scores.length);
        this.scale = scale;
        this.score = NpMath.sum(this.scores, 0, this.scores.length) / this.scores.length;
    }

    /** An independent copy, to keep beyond the decoder's next frame. */
    public Person copy() {
        return new Person(y.clone(), x.clone(), scores.clone(), scale);
    }

    public int numKeypoints() {
        return scores.length;
    }
}
