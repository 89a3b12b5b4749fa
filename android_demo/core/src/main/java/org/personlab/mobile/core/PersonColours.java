package org.personlab.mobile.core;

/**
 * One ARGB colour per person, keyed by a stable id (a track id, so a person keeps their colour while
 * tracked; without tracking the person's index in the frame, which follows score order).
 */
public final class PersonColours {
    private static final int[] PALETTE = {
        0xFFE6194B, 0xFF3CB44B, 0xFFFFE119, 0xFF4363D8, 0xFFF58231, 0xFF911EB4, 0xFF46F0F0, 0xFFF032E6,
        0xFFBCF60C, 0xFFFABEBE, 0xFF008080, 0xFFE6BEFF, 0xFF9A6324, 0xFFFFFAC8, 0xFF800000, 0xFFAAFFC3,
    };

    private PersonColours() {
    }

    public static int of(int id) {
        return PALETTE[Math.floorMod(id, PALETTE.length)];
    }

    /** out[p] = colour of ids[p], p < n. */
    public static void fill(int[] ids, int n, int[] out) {
        for (int p = 0; p < n; p++) {
            out[p] = of(ids[p]);
        }
    }
}
