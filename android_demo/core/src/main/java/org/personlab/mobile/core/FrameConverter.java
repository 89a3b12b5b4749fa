package org.personlab.mobile.core;

/**
 * Camera frame -> model input, into one reused buffer: the crop made upright, letterboxed into the input
 * (keep aspect, centre, fill 0) with the same bilinear sampling as the Python side (PIL's affine
 * transform: pixel centres, truncation to uint8), so the bytes equal personlab.geometry.letterboxed of
 * the upright RGB crop. Frames are RGBA_8888 or YUV_420_888 (any row / pixel strides; chroma decoded
 * as BT.601 full range in 16-bit fixed point). Not thread-safe: one per analyzer thread.
 */
public final class FrameConverter {
    public final int inputH;
    public final int inputW;
    private final byte[] rgb;
    private final boolean[] colIn;
    private final int[] colU0;
    private final int[] colU1;
    private final double[] colDx;
    private final boolean[] rowIn;
    private final int[] rowV0;
    private final int[] rowV1; // -1: no second row (PIL reuses the first)
    private final double[] rowDy;
    private int[] uOff = new int[0]; // source offsets of upright columns / rows
    private int[] vOff = new int[0];
    private int[] uChroma = new int[0];
    private int[] vChroma = new int[0];
    private FrameGeometry geometry;
    private Letterbox letterbox;
    private int offsetsFor = -1; // the strides the offsets were made for
    private byte[] src;
    private byte[] srcU;
    private byte[] srcV;
    private boolean yuv;
    private int[] upright = new int[0];

    public FrameConverter(int inputH, int inputW) {
        this.inputH = inputH;
        this.inputW = inputW;
        rgb = new byte[inputH * inputW * 3];
        colIn = new boolean[inputW];
        colU0 = new int[inputW];
        colU1 = new int[inputW];
        colDx = new double[inputW];
        rowIn = new boolean[inputH];
        rowV0 = new int[inputH];
        rowV1 = new int[inputH];
        rowDy = new double[inputH];
    }

    /** The model input of the last frame: (inputH, inputW, 3) uint8 RGB, row-major; reused by the next. */
    public byte[] rgb() {
        return rgb;
    }

    /** The model input as float32 0..255 (the float artifacts' input) into {@code out}. */
    public void toFloats(float[] out) {
        for (int i = 0; i < rgb.length; i++) {
            out[i] = rgb[i] & 0xFF;
        }
    }

    /** Letterbox of the last frame's upright crop into the input. */
    public Letterbox letterbox() {
        return letterbox;
    }

    /** An RGBA_8888 frame (R, G, B, A bytes at pixelStride 4). Returns the letterbox. */
    public Letterbox convertRgba(byte[] rgba, int rowStride, int pixelStride, FrameGeometry g) {
        prepare(g, rowStride, pixelStride, 0, 0);
        src = rgba;
        yuv = false;
        sample();
        return letterbox;
    }

    /** A YUV_420_888 frame: full-resolution Y, half-resolution U and V (planar or interleaved). Returns the letterbox. */
    public Letterbox convertYuv(byte[] y, int yRowStride, int yPixelStride, byte[] u, byte[] v, int uvRowStride,
            int uvPixelStride, FrameGeometry g) {
        prepare(g, yRowStride, yPixelStride, uvRowStride, uvPixelStride);
        src = y;
        srcU = u;
        srcV = v;
        yuv = true;
        sample();
        return letterbox;
    }

    private void prepare(FrameGeometry g, int rowStride, int pixelStride, int uvRowStride, int uvPixelStride) {
        int strides = ((rowStride * 31 + pixelStride) * 31 + uvRowStride) * 31 + uvPixelStride;
        if (g.equals(geometry) && strides == offsetsFor) {
            return;
        }
        geometry = g;
        offsetsFor = strides;
        letterbox = Letterbox.fit(g.uprightH, g.uprightW, inputH, inputW);
        taps(g.uprightW, g.uprightH);
        if (uOff.length != g.uprightW || vOff.length != g.uprightH) {
            uOff = new int[g.uprightW];
            uChroma = new int[g.uprightW];
            vOff = new int[g.uprightH];
            vChroma = new int[g.uprightH];
        }
        boolean xByColumn = g.xFollowsColumn();
        for (int u = 0; u < g.uprightW; u++) {
            int f = xByColumn ? g.frameX(u, 0) : g.frameY(u, 0);
            uOff[u] = xByColumn ? f * pixelStride : f * rowStride;
            uChroma[u] = xByColumn ? (f / 2) * uvPixelStride : (f / 2) * uvRowStride;
        }
        for (int v = 0; v < g.uprightH; v++) {
            int f = xByColumn ? g.frameY(0, v) : g.frameX(0, v);
            vOff[v] = xByColumn ? f * rowStride : f * pixelStride;
            vChroma[v] = xByColumn ? (f / 2) * uvRowStride : (f / 2) * uvPixelStride;
        }
    }

    /** PIL's affine coefficients for the letterbox and, per input column / row, its two taps and weight. */
    private void taps(int w, int h) {
        double inv = 1.0 / letterbox.scale;
        double half = 0.5 - 0.5 * inv;
        double a2 = -letterbox.tx * inv + half;
        double a5 = -letterbox.ty * inv + half;
        for (int x = 0; x < inputW; x++) {
            double xin = (inv * (x + 0.5) + 0.0) + a2; // a0 (x + 0.5) + a1 (y + 0.5) + a2, a1 = 0
            colIn[x] = !(xin < 0.0 || xin >= w);
            xin -= 0.5;
            int x0 = (int) Math.floor(xin);
            colDx[x] = xin - x0;
            colU0[x] = clip(x0, w);
            colU1[x] = clip(x0 + 1, w);
        }
        for (int y = 0; y < inputH; y++) {
            double yin = (0.0 + inv * (y + 0.5)) + a5; // a3 (x + 0.5) + a4 (y + 0.5) + a5, a3 = 0
            rowIn[y] = !(yin < 0.0 || yin >= h);
            yin -= 0.5;
            int y0 = (int) Math.floor(yin);
            rowDy[y] = yin - y0;
            rowV0[y] = clip(y0, h);
            rowV1[y] = y0 + 1 >= 0 && y0 + 1 < h ? y0 + 1 : -1;
        }
    }

    private static int clip(int i, int n) {
        return i < 0 ? 0 : (i < n ? i : n - 1);
    }

    /** The crop, upright, as 0xRRGGBB per pixel: each source pixel decoded once, not once per tap. */
    private void uprightPixels() {
        int w = geometry.uprightW;
        int h = geometry.uprightH;
        if (upright.length < w * h) {
            upright = new int[w * h];
        }
        for (int v = 0, o = 0; v < h; v++) {
            int rowOff = vOff[v];
            int rowChroma = vChroma[v];
            for (int u = 0; u < w; u++, o++) {
                int at = uOff[u] + rowOff;
                if (yuv) {
                    int c = uChroma[u] + rowChroma;
                    upright[o] = yuvToRgb(src[at] & 0xFF, (srcU[c] & 0xFF) - 128, (srcV[c] & 0xFF) - 128);
                } else {
                    upright[o] = (src[at] & 0xFF) << 16 | (src[at + 1] & 0xFF) << 8 | (src[at + 2] & 0xFF);
                }
            }
        }
    }

    private void sample() {
        uprightPixels();
        int w = geometry.uprightW;
        int o = 0;
        for (int y = 0; y < inputH; y++) {
            boolean row = rowIn[y];
            int r0 = rowV0[y] * w;
            int r1 = rowV1[y] * w; // < 0: no second row
            double dy = rowDy[y];
            for (int x = 0; x < inputW; x++, o += 3) {
                if (!row || !colIn[x]) {
                    rgb[o] = 0;
                    rgb[o + 1] = 0;
                    rgb[o + 2] = 0;
                    continue;
                }
                int u0 = colU0[x];
                int u1 = colU1[x];
                double dx = colDx[x];
                int p00 = upright[r0 + u0];
                int p01 = upright[r0 + u1];
                int p10 = r1 >= 0 ? upright[r1 + u0] : 0;
                int p11 = r1 >= 0 ? upright[r1 + u1] : 0;
                for (int c = 0, shift = 16; c < 3; c++, shift -= 8) {
                    int a = (p00 >> shift) & 0xFF;
                    double top = a + (((p01 >> shift) & 0xFF) - a) * dx;
                    double bottom = top;
                    if (r1 >= 0) {
                        int b = (p10 >> shift) & 0xFF;
                        bottom = b + (((p11 >> shift) & 0xFF) - b) * dx;
                    }
                    rgb[o + c] = (byte) (int) (top + (bottom - top) * dy);
                }
            }
        }
    }

    /** BT.601 full-range (JFIF) decode, 16-bit fixed point, clamped: 0xRRGGBB. */
    static int yuvToRgb(int y, int u, int v) {
        int r = y + ((91881 * v + 32768) >> 16);
        int g = y - ((22554 * u + 46802 * v + 32768) >> 16);
        int b = y + ((116130 * u + 32768) >> 16);
        return clamp8(r) << 16 | clamp8(g) << 8 | clamp8(b);
    }

    private static int clamp8(int v) {
        return v < 0 ? 0 : (v > 255 ? 255 : v);
    }
}
