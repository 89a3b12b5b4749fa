package org.personlab.mobile.core;

import java.util.Arrays;

/** Sorts into caller-owned buffers (the decoder allocates nothing per frame; java.util sorts may). */
final class Sorting {
    /** Length of the counts buffer {@link #ascending} needs. */
    static final int COUNTS = 2049;

    private Sorting() {
    }

    /** Ascending sort of a[0..n), non-negative ints: insertion sort when short, else LSD radix (11-bit digits). */
    static void ascending(int[] a, int n, int[] tmp, int[] counts) {
        if (n < 48) {
            for (int i = 1; i < n; i++) {
                int v = a[i];
                int j = i - 1;
                while (j >= 0 && a[j] > v) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
            return;
        }
        int max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, a[i]);
        }
        int[] src = a;
        int[] dst = tmp;
        for (int shift = 0; shift == 0 || (max >>> shift) != 0; shift += 11) {
            Arrays.fill(counts, 0, COUNTS, 0);
            for (int i = 0; i < n; i++) {
                counts[((src[i] >>> shift) & 2047) + 1]++;
            }
            for (int d = 0; d < 2048; d++) {
                counts[d + 1] += counts[d];
            }
            for (int i = 0; i < n; i++) {
                dst[counts[(src[i] >>> shift) & 2047]++] = src[i];
            }
            int[] t = src;
            src = dst;
            dst = t;
        }
        if (src != a) {
            System.arraycopy(src, 0, a, 0, n);
        }
    }

    /** Stable sort of the indices idx[0..n) by descending key[idx] (np.argsort(-key, kind="stable")). */
    static void descendingStable(int[] idx, int n, double[] key, int[] tmp) {
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n - width; lo += 2 * width) {
                int mid = lo + width;
                int hi = Math.min(lo + 2 * width, n);
                int i = lo;
                int j = mid;
                int o = lo;
                while (i < mid && j < hi) {
                    tmp[o++] = Double.compare(-key[idx[j]], -key[idx[i]]) < 0 ? idx[j++] : idx[i++];
                }
                while (i < mid) {
                    tmp[o++] = idx[i++];
                }
                while (j < hi) {
                    tmp[o++] = idx[j++];
                }
                System.arraycopy(tmp, lo, idx, lo, hi - lo);
            }
        }
    }
}
