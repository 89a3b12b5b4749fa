package org.personlab.mobile.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Whole-stream reads (fixtures, assets); Java 8 has no InputStream.readAllBytes. */
public final class Streams {
    private Streams() {
    }

    /** Every byte of {@code in} (not closed here). */
    public static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
