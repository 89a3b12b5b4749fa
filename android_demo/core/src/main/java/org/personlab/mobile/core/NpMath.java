package org.personlab.mobile.core;

/** NumPy's summation order (pairwise, 8 accumulators, blocks of 128), so sums match the Python decoder bit for bit where possible. */
final class NpMath {
    private NpMath() {
    }

    /** np.add.reduce of a[off:off+n] (float64): 0 + pairwise sum. */
    static double sum(double[] a, int off, int n) {
        return sum(a, off, n, n);
    }

    /**
     * np.add.reduce of a length-n float64 array holding a[off:off+m] then n - m zeros (a padded row):
     * the zeros are not read, since adding an exact zero leaves a partial sum unchanged (the values are
     * never -0.0, so the accumulators can start at 0 rather than at the first values).
     */
    static double sum(double[] a, int off, int m, int n) {
        return 0.0 + pairwise(a, off, 0, m, n);
    }

    /** The pairwise sum of positions [lo, lo + n) of the padded row (real values below m). */
    private static double pairwise(double[] a, int off, int lo, int m, int n) {
        int real = Math.min(n, m - lo);
        if (real <= 0) {
            return 0.0;
        }
        int b = off + lo;
        if (n < 8) {
            double res = 0.0;
            for (int i = 0; i < real; i++) {
                res += a[b + i];
            }
            return res;
        } else if (n <= 128) {
            int end = n - (n % 8);
            int blocked = Math.min(real, end);
            double r0 = 0.0, r1 = 0.0, r2 = 0.0, r3 = 0.0, r4 = 0.0, r5 = 0.0, r6 = 0.0, r7 = 0.0;
            int i = 0;
            for (; i + 8 <= blocked; i += 8) {
                r0 += a[b + i];
                r1 += a[b + i + 1];
                r2 += a[b + i + 2];
                r3 += a[b + i + 3];
                r4 += a[b + i + 4];
                r5 += a[b + i + 5];
                r6 += a[b + i + 6];
                r7 += a[b + i + 7];
            }
            int left = blocked - i; // a last, partial row of the 8 accumulators
            r0 += left > 0 ? a[b + i] : 0.0;
            r1 += left > 1 ? a[b + i + 1] : 0.0;
            r2 += left > 2 ? a[b + i + 2] : 0.0;
            r3 += left > 3 ? a[b + i + 3] : 0.0;
            r4 += left > 4 ? a[b + i + 4] : 0.0;
            r5 += left > 5 ? a[b + i + 5] : 0.0;
            r6 += left > 6 ? a[b + i + 6] : 0.0;
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (i = end; i < real; i++) {
                res += a[b + i];
            }
            return res;
        } else {
            int n2 = n / 2;
            n2 -= n2 % 8;
            return pairwise(a, off, lo, m, n2) + pairwise(a, off, lo + n2, m, n - n2);
        }
    }

    /**
     * np.add.reduce of a length-n float64 array that is zero except at the ascending positions
     * pos[0..m) holding val[0..m): the same accumulators and pairwise blocks as {@link #sum}, so the
     * same result, in O(m + log n) instead of O(n) (adding an exact zero leaves a partial sum unchanged).
     * {@code acc}: the caller's 8 accumulators (scratch, so nothing is allocated).
     */
    static double sparseSum(int[] pos, double[] val, int m, int n, double[] acc) {
        return 0.0 + sparsePairwise(pos, val, 0, m, 0, n, acc);
    }

    private static double sparsePairwise(int[] pos, double[] val, int lo, int hi, int off, int n, double[] r) {
        if (lo == hi) {
            return 0.0;
        }
        if (n < 8) {
            double res = 0.0;
            for (int i = lo; i < hi; i++) {
                res += val[i];
            }
            return res;
        } else if (n <= 128) {
            java.util.Arrays.fill(r, 0.0);
            int end = off + n - (n % 8);
            int i = lo;
            for (; i < hi && pos[i] < end; i++) {
                r[(pos[i] - off) & 7] += val[i];
            }
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < hi; i++) {
                res += val[i];
            }
            return res;
        } else {
            int n2 = n / 2;
            n2 -= n2 % 8;
            int mid = lo;
            while (mid < hi && pos[mid] < off + n2) {
                mid++;
            }
            return sparsePairwise(pos, val, lo, mid, off, n2, r) + sparsePairwise(pos, val, mid, hi, off + n2, n - n2, r);
        }
    }
}
