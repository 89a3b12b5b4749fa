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
