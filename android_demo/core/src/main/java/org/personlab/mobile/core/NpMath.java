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
     * np.add.reduce of three length-n float64 arrays, each zero except at the ascending positions pos[0..m)
     * holding a[0..m), b[0..m) and c[0..m), into out[0..3): the same accumulators and pairwise blocks as
     * {@link #sum}, so the same results, in O(m + log n) instead of O(n) (adding an exact zero leaves a partial
     * sum unchanged). {@code acc}: the caller's 24 accumulators; out needs 3 entries per halving of n beyond 128
     * and 3 more (scratch, so nothing is allocated).
     */
    static void sparseSums(int[] pos, double[] a, double[] b, double[] c, int m, int n, double[] acc, double[] out) {
        sparsePairwise(pos, a, b, c, 0, m, 0, n, acc, out, 0);
        out[0] += 0.0;
        out[1] += 0.0;
        out[2] += 0.0;
    }

    /** The three sums of positions [off, off + n) (pos[lo..hi)), into out[at..at + 3). */
    private static void sparsePairwise(int[] pos, double[] a, double[] b, double[] c, int lo, int hi, int off, int n,
            double[] r, double[] out, int at) {
        if (lo == hi) {
            out[at] = 0.0;
            out[at + 1] = 0.0;
            out[at + 2] = 0.0;
        } else if (n <= 128) { // below 8, no accumulators: their 0.0 sums start the sequential part
            java.util.Arrays.fill(r, 0.0);
            int end = off + n - (n % 8);
            int i = lo;
            for (; i < hi && pos[i] < end; i++) {
                int q = (pos[i] - off) & 7;
                r[q] += a[i];
                r[8 + q] += b[i];
                r[16 + q] += c[i];
            }
            double sa = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            double sb = ((r[8] + r[9]) + (r[10] + r[11])) + ((r[12] + r[13]) + (r[14] + r[15]));
            double sc = ((r[16] + r[17]) + (r[18] + r[19])) + ((r[20] + r[21]) + (r[22] + r[23]));
            for (; i < hi; i++) {
                sa += a[i];
                sb += b[i];
                sc += c[i];
            }
            out[at] = sa;
            out[at + 1] = sb;
            out[at + 2] = sc;
        } else {
            int n2 = n / 2;
            n2 -= n2 % 8;
            int mid = lo;
            while (mid < hi && pos[mid] < off + n2) {
                mid++;
            }
            sparsePairwise(pos, a, b, c, lo, mid, off, n2, r, out, at);
            sparsePairwise(pos, a, b, c, mid, hi, off + n2, n - n2, r, out, at + 3);
            out[at] += out[at + 3];
            out[at + 1] += out[at + 4];
            out[at + 2] += out[at + 5];
        }
    }
}
