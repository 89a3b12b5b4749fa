package org.personlab.mobile.core;

/**
 * One Euro filter (Casiez et al. 2012) over rows of K 2-D keypoints (mobile_decoder/tracking.py's
 * OneEuroFilter): an exponential low-pass whose cutoff rises with the low-passed speed, so still keypoints
 * are smoothed hard and moving ones follow with little lag. Speed is in person scales per second. Its state
 * is allocated once; {@link #start} and {@link #step} allocate nothing.
 */
public final class OneEuroFilter {
    private final double minCutoff;
    private final double beta;
    private final double dCutoff;
    private final int k;
    private final double[] value; // (rows, K, 2) y then x
    private final double[] speed;
    private final double[] time;

    public OneEuroFilter(int rows, int numKeypoints, double minCutoffHz, double beta, double dCutoffHz) {
        this.minCutoff = minCutoffHz;
        this.beta = beta;
        this.dCutoff = dCutoffHz;
        this.k = numKeypoints;
        this.value = new double[rows * numKeypoints * 2];
        this.speed = new double[rows * numKeypoints * 2];
        this.time = new double[rows];
    }

    /** Weight of the new sample in an exponential low-pass of this cutoff at sampling interval dt. */
    static double smoothingFactor(double cutoffHz, double dt) {
        return 1.0 / (1.0 + 1.0 / (2.0 * Math.PI * cutoffHz * dt));
    }

    /** Restarts a row at this sample (a new track): the filtered value is the sample, speed 0. */
    public void start(int row, double[] y, double[] x, double t) {
        int base = row * k * 2;
        for (int j = 0; j < k; j++) {
            value[base + 2 * j] = y[j];
            value[base + 2 * j + 1] = x[j];
            speed[base + 2 * j] = 0.0;
            speed[base + 2 * j + 1] = 0.0;
        }
        time[row] = t;
    }

    /** Filters one sample (y, x of K keypoints, the person's scale) taken at time t into outY, outX. */
    public void step(int row, double[] y, double[] x, double scale, double t, double[] outY, double[] outX) {
        double dt = Math.max(t - time[row], 1e-6);
        double aSpeed = smoothingFactor(dCutoff, dt);
        int base = row * k * 2;
        for (int j = 0; j < k; j++) {
            outY[j] = filter(base + 2 * j, y[j], dt, aSpeed, scale);
            outX[j] = filter(base + 2 * j + 1, x[j], dt, aSpeed, scale);
        }
        time[row] = t;
    }

    private double filter(int at, double sample, double dt, double aSpeed, double scale) {
        double prev = value[at];
        double s = speed[at] + aSpeed * ((sample - prev) / dt - speed[at]);
        double cutoff = minCutoff + beta * Math.abs(s) / scale;
        double v = prev + smoothingFactor(cutoff, dt) * (sample - prev);
        speed[at] = s;
        value[at] = v;
        return v;
    }
}
