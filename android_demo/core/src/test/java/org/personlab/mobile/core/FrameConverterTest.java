package org.personlab.mobile.core;

import static org.junit.Assert.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.Test;

/**
 * Camera frames -> model input against personlab.geometry.letterboxed on real COCO crops
 * (tools/make_frame_golden.py): byte for byte (SHA-256 of the uint8 input), for RGBA and YUV_420_888
 * frames (planar and interleaved chroma), at every rotation, inside a larger frame with a crop rect.
 */
public class FrameConverterTest {
    private static final int MARGIN = 6; // even: the chroma grid of the crop stays aligned

    /** Upright RGB crop -> a camera frame that turning clockwise by {@code rotation} makes upright, inside a margin. */
    private static int[][] cameraFrame(int[][] upright, int rotation) {
        int h = upright.length;
        int w = upright[0].length;
        boolean quarter = rotation == 90 || rotation == 270;
        int ch = quarter ? w : h;
        int cw = quarter ? h : w;
        int[][] frame = new int[ch + 2 * MARGIN][cw + 2 * MARGIN];
        for (int[] row : frame) {
            java.util.Arrays.fill(row, 0x00FF00); // margin: green, must never show
        }
        for (int v = 0; v < h; v++) {
            for (int u = 0; u < w; u++) { // counter-clockwise, as np.rot90
                int fx;
                int fy;
                switch (rotation) {
                    case 90: fx = v; fy = ch - 1 - u; break;
                    case 180: fx = cw - 1 - u; fy = ch - 1 - v; break;
                    case 270: fx = cw - 1 - v; fy = u; break;
                    default: fx = u; fy = v; break;
                }
                frame[MARGIN + fy][MARGIN + fx] = upright[v][u];
            }
        }
        return frame;
    }

    private static FrameGeometry geometry(int[][] frame, int rotation) {
        int fh = frame.length;
        int fw = frame[0].length;
        return new FrameGeometry(fw, fh, MARGIN, MARGIN, fw - 2 * MARGIN, fh - 2 * MARGIN, rotation);
    }

    private static String sha256(byte[] b) {
        try {
            StringBuilder s = new StringBuilder();
            for (byte x : MessageDigest.getInstance("SHA-256").digest(b)) {
                s.append(String.format("%02x", x));
            }
            return s.toString();
        } catch (NoSuchAlgorithmException err) {
            throw new IllegalStateException(err);
        }
    }

    private static int[][] png(String name) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(Fixtures.resource("frames/" + name + ".png")));
        int[][] out = new int[img.getHeight()][img.getWidth()];
        for (int y = 0; y < out.length; y++) {
            for (int x = 0; x < out[0].length; x++) {
                out[y][x] = img.getRGB(x, y) & 0xFFFFFF;
            }
        }
        return out;
    }

    private static byte[] rgba(int[][] frame, int rowStride) {
        byte[] b = new byte[frame.length * rowStride];
        for (int y = 0; y < frame.length; y++) {
            for (int x = 0; x < frame[0].length; x++) {
                int p = frame[y][x];
                int at = y * rowStride + 4 * x;
                b[at] = (byte) (p >> 16);
                b[at + 1] = (byte) (p >> 8);
                b[at + 2] = (byte) p;
                b[at + 3] = (byte) 0xFF;
            }
        }
        return b;
    }

    @Test
    public void rgbaFramesMatchPythonAtEveryRotation() throws IOException {
        int cases = 0;
        for (Object f : Json.array(Fixtures.frameGolden().get("frames"), "frames")) {
            Map<String, Object> frame = Json.object(f, "frame");
            int[][] upright = png((String) frame.get("name"));
            for (Object i : Json.array(frame.get("inputs"), "inputs")) {
                Map<String, Object> in = Json.object(i, "input");
                int[] hw = Json.ints(in.get("input_hw"), "input_hw");
                FrameConverter converter = new FrameConverter(hw[0], hw[1]);
                for (int rotation = 0; rotation < 360; rotation += 90) {
                    int[][] cam = cameraFrame(upright, rotation);
                    int rowStride = 4 * cam[0].length + 16; // padded rows, as camera buffers often are
                    Letterbox lb = converter.convertRgba(rgba(cam, rowStride), rowStride, 4, geometry(cam, rotation));
                    String what = frame.get("name") + " into " + hw[0] + "x" + hw[1] + " at " + rotation;
                    assertEquals(what, in.get("rgb_sha256"), sha256(converter.rgb()));
                    assertEquals(what, Json.number(Json.object(in.get("letterbox"), "lb").get("ty"), "ty"), lb.ty, 1e-9);
                    cases++;
                }
            }
        }
        assertEquals(2 * 3 * 4, cases);
    }

    @Test
    public void yuvFramesMatchPythonPlanarAndInterleaved() throws IOException {
        int cases = 0;
        for (Object f : Json.array(Fixtures.frameGolden().get("frames"), "frames")) {
            Map<String, Object> frame = Json.object(f, "frame");
            int[] crop = Json.ints(frame.get("crop_tlhw"), "crop_tlhw");
            int h = crop[2];
            int w = crop[3];
            byte[] i420 = Fixtures.resource("frames/" + frame.get("name") + "_yuv.bin");
            int[][] y = new int[h][w];
            int[][] uv = new int[h / 2][w / 2]; // U << 8 | V
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    y[r][c] = i420[r * w + c] & 0xFF;
                }
            }
            int quarter = w * h / 4;
            for (int r = 0; r < h / 2; r++) {
                for (int c = 0; c < w / 2; c++) {
                    int at = r * (w / 2) + c;
                    uv[r][c] = (i420[w * h + at] & 0xFF) << 8 | (i420[w * h + quarter + at] & 0xFF);
                }
            }
            for (Object i : Json.array(frame.get("inputs"), "inputs")) {
                Map<String, Object> in = Json.object(i, "input");
                int[] hw = Json.ints(in.get("input_hw"), "input_hw");
                FrameConverter converter = new FrameConverter(hw[0], hw[1]);
                for (int rotation = 0; rotation < 360; rotation += 90) {
                    int[][] camY = cameraFrame(y, rotation);
                    int[][] camUv = cameraFrame(uv, rotation); // a 2x2 block stays a 2x2 block: the margin is even
                    FrameGeometry g = geometry(camY, rotation);
                    int fw = camY[0].length;
                    int fh = camY.length;
                    byte[] yPlane = new byte[fw * fh];
                    for (int r = 0; r < fh; r++) {
                        for (int c = 0; c < fw; c++) {
                            yPlane[r * fw + c] = (byte) camY[r][c];
                        }
                    }
                    for (int pixelStride = 1; pixelStride <= 2; pixelStride++) {
                        int cw = fw / 2;
                        int ch = fh / 2;
                        int rowStride = cw * pixelStride + 8;
                        byte[] u = new byte[ch * rowStride];
                        byte[] v = new byte[ch * rowStride];
                        for (int r = 0; r < ch; r++) {
                            for (int c = 0; c < cw; c++) {
                                int val = camUv[r - MARGIN / 2 + MARGIN][c - MARGIN / 2 + MARGIN];
                                u[r * rowStride + c * pixelStride] = (byte) (val >> 8);
                                v[r * rowStride + c * pixelStride] = (byte) val;
                            }
                        }
                        converter.convertYuv(yPlane, fw, 1, u, v, rowStride, pixelStride, g);
                        assertEquals(frame.get("name") + " YUV (pixel stride " + pixelStride + ") into " + hw[0] + "x" + hw[1]
                                + " at " + rotation, in.get("yuv_sha256"), sha256(converter.rgb()));
                        cases++;
                    }
                }
            }
        }
        assertEquals(2 * 3 * 4 * 2, cases);
    }

    @Test
    public void floatInputIsTheBytesAsFloats() {
        FrameConverter converter = new FrameConverter(5, 7);
        int[][] frame = {{0xFF0000, 0x00FF00}, {0x0000FF, 0xFFFFFF}};
        converter.convertRgba(rgba(frame, 8), 8, 4, FrameGeometry.full(2, 2, 0));
        float[] f = new float[5 * 7 * 3];
        converter.toFloats(f);
        for (int i = 0; i < f.length; i++) {
            assertEquals(converter.rgb()[i] & 0xFF, f[i], 0.0f);
        }
        assertEquals(0x808080, FrameConverter.yuvToRgb(128, 0, 0)); // grey stays grey
        assertEquals(0xB20000, FrameConverter.yuvToRgb(0, 0, 127)); // red = 1.402 * 127, green clamped at 0
    }

    @Test
    public void geometryFollowsRotation() {
        // a 3x2 frame (w 3, h 2); upright pixel (0, 0) is the frame's bottom-left at 90, top-right at 270
        FrameGeometry g90 = FrameGeometry.full(3, 2, 90);
        assertEquals(2, g90.uprightW);
        assertEquals(3, g90.uprightH);
        assertEquals(0, g90.frameX(0, 0));
        assertEquals(1, g90.frameY(0, 0));
        assertEquals(2, g90.frameX(0, 2));
        FrameGeometry g270 = FrameGeometry.full(3, 2, 270);
        assertEquals(2, g270.frameX(0, 0));
        assertEquals(0, g270.frameY(0, 0));
        FrameGeometry g180 = FrameGeometry.full(3, 2, 180);
        assertEquals(2, g180.frameX(0, 0));
        assertEquals(1, g180.frameY(0, 0));
    }
}
