package org.personlab.mobile.core;

/** NumPy's summation order (pairwise, 8 accumulators, blocks of 128), so sums match the Python decoder bit for bit where possible. */
final class NpMath {
    private NpMath() {
    }

    /** np.add.reduce of a[off:off+n] (float64): 0 + pairwise sum. */
    static double sum(double[] a, int off, int n) {
        return 0.0 + pairwise(a, off, n);
    }

    private static double pairwise(double[] a, int off, int n) {
        if (n < 8) {
            double res = 0.0;
            for (int i = 0; i < n; i++) {
                res += a[off + i];
            }
            return res;
        } else if (n <= 128) {
            double r0 = a[off], r1 = a[off + 1], r2 = a[off + 2], r3 = a[off + 3];
            double r4 = a[off + 4], r5 = a[off + 5], r6 = a[off + 6], r7 = a[off + 7];
            int i;
            int end = n - (n % 8);
            for (i = 8; i < end; i += 8) {
                r0 += a[off + i];
                r1 += a[off + i + 1];
                r2 += a[off + i + 2];
                r3 += a[off + i + 3];
                r4 += a[off + i + 4];
                r5 += a[off + i + 5];
                r6 += a[off + i + 6];
                r7 += a[off + i + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) {
                res += a[off + i];
            }
            return res;
        } else {
            int n2 = n / 2;
            n2 -= n2 % 8;
            return pairwise(a, off, n2) + pairwise(a, off + n2, n - n2);
        }
    }
}
