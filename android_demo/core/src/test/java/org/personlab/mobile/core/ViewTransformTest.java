package org.personlab.mobile.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** Model input -> view: letterbox undone, FILL_CENTER into the view, front-camera mirror, mask bitmap centres; and the overlay built from a real decode. */
public class ViewTransformTest {
    @Test
    public void cropCornersLandOnTheViewAndMirror() {
        // a 480x640 upright crop (portrait viewport) in a 1080x1440 view, 513x513 input
        Letterbox lb = Letterbox.fit(640, 480, 513, 513);
        ViewTransform t = ViewTransform.of(lb, 480, 640, 1080, 1440, false);
        // pixel u covers [u - 0.5, u + 0.5] in index coordinates: the crop's outer edges are -0.5 and W - 0.5
        assertEquals(0.0, t.viewX(lb.toInputX(-0.5)), 1e-9);
        assertEquals(0.0, t.viewY(lb.toInputY(-0.5)), 1e-9);
        assertEquals(1080.0, t.viewX(lb.toInputX(479.5)), 1e-9);
        assertEquals(1440.0, t.viewY(lb.toInputY(639.5)), 1e-9);
        ViewTransform m = ViewTransform.of(lb, 480, 640, 1080, 1440, true);
        assertEquals(1080.0, m.viewX(lb.toInputX(-0.5)), 1e-9);
        assertEquals(1080.0 - t.viewX(200), m.viewX(200), 1e-9);
        assertEquals(t.viewY(200), m.viewY(200), 1e-9);
    }

    @Test
    public void fillCenterCropsTheLongerSide() {
        // a 4:3 crop in a 9:16 view: scaled to the height, centred, the sides cut
        Letterbox lb = Letterbox.fit(480, 640, 513, 513);
        ViewTransform t = ViewTransform.of(lb, 640, 480, 1080, 1920, false);
        double fill = 1920.0 / 480.0;
        assertEquals((1080 - fill * 640) / 2, t.viewX(lb.toInputX(-0.5)), 1e-9);
        assertEquals(1920.0, t.viewY(lb.toInputY(479.5)), 1e-9);
        assertEquals(540.0, t.viewX(lb.toInputX(319.5)), 1e-9);
    }

    /**
     * A dot in a rotated, cropped camera frame: through FrameConverter into the model input and back
     * through ViewTransform, it lands where the preview shows that frame pixel (the upright crop scaled
     * to the view), for every rotation, mirrored for the front camera.
     */
    @Test
    public void aFramePixelComesBackWhereThePreviewShowsIt() {
        int fw = 64;
        int fh = 48;
        int fx = 37; // the dot, in frame pixels
        int fy = 15;
        for (int rotation = 0; rotation < 360; rotation += 90) {
            FrameGeometry g = new FrameGeometry(fw, fh, 8, 4, 48, 40, rotation);
            byte[] rgba = new byte[4 * fw * fh];
            int at = 4 * (fy * fw + fx);
            rgba[at] = rgba[at + 1] = rgba[at + 2] = (byte) 255;
            FrameConverter converter = new FrameConverter(97, 129);
            Letterbox lb = converter.convertRgba(rgba, 4 * fw, 4, g);
            byte[] in = converter.rgb();
            int best = 0;
            for (int i = 0; i < in.length; i += 3) {
                best = (in[i] & 0xFF) > (in[best] & 0xFF) ? i : best;
            }
            double inputX = (best / 3) % 129;
            double inputY = (best / 3) / 129;
            int u = -1;
            int v = -1;
            for (int uu = 0; uu < g.uprightW; uu++) { // the upright pixel that is the dot
                for (int vv = 0; vv < g.uprightH; vv++) {
                    if (g.frameX(uu, vv) == fx && g.frameY(uu, vv) == fy) {
                        u = uu;
                        v = vv;
                    }
                }
            }
            double fill = 10.0; // a view of exactly 10 x the upright crop
            for (boolean mirror : new boolean[] {false, true}) {
                ViewTransform t = ViewTransform.of(lb, g.uprightW, g.uprightH, 10 * g.uprightW, 10 * g.uprightH, mirror);
                double wantX = fill * (u + 0.5);
                wantX = mirror ? 10 * g.uprightW - wantX : wantX;
                double tolerance = fill * 0.5 / lb.scale + 1e-9; // the brightest input pixel is within half a pixel
                assertEquals("rotation " + rotation + " x", wantX, t.viewX(inputX), tolerance);
                assertEquals("rotation " + rotation + " y", fill * (v + 0.5), t.viewY(inputY), tolerance);
            }
        }
    }

    @Test
    public void maskBitmapPixelCentresSitOnTheirCells() {
        Letterbox lb = Letterbox.fit(480, 640, 513, 513);
        ViewTransform t = ViewTransform.of(lb, 640, 480, 1280, 960, false);
        ViewTransform bitmap = t.forMaskBitmap(2);
        for (int j = 0; j < 257; j += 64) {
            assertEquals(t.viewX(2.0 * j), bitmap.viewX(j + 0.5), 1e-9);
            assertEquals(t.viewY(2.0 * j), bitmap.viewY(j + 0.5), 1e-9);
        }
        float[] m = bitmap.matrixValues(new float[9]);
        assertEquals((float) bitmap.sx, m[0], 0f);
        assertEquals((float) bitmap.oy, m[5], 0f);
        assertEquals(1f, m[8], 0f);
    }

    @Test
    public void overlayFrameFromARealDecode() {
        Metadata meta = Fixtures.metadata();
        Decoder.Result r = new Decoder(meta).decode(Heads.fromOutputs(Fixtures.outputs(8690, meta), meta), DecoderConfig.from(meta));
        assertTrue(r.people.size() >= 2);
        ViewTransform t = ViewTransform.of(Letterbox.fit(513, 513, 513, 513), 513, 513, 513, 513, false);
        int[] colours = new int[r.people.size()];
        for (int p = 0; p < colours.length; p++) {
            colours[p] = 0xFF000000 | (p + 1);
        }
        OverlayFrame o = new OverlayFrame();
        o.fill(r, t, meta.edges, colours, 0.1);
        assertEquals(r.people.size(), o.people);
        int masked = 0;
        for (int i = 0; i < o.mask.length; i++) {
            int p = r.labels[i];
            assertEquals(p < 0 ? 0 : (0x70000000 | (p + 1)), o.mask[i]);
            masked += p < 0 ? 0 : 1;
        }
        assertTrue(masked > 0);
        for (int p = 0; p < o.people; p++) {
            Person person = r.people.get(p);
            int confident = 0;
            for (double s : person.scores) {
                confident += s > 0.1 ? 1 : 0;
            }
            assertEquals(2 * confident, o.pointCount[p]);
            assertEquals(0, o.lineCount[p] % 4);
            for (int i = 0; i < o.pointCount[p]; i += 2) { // identity view: points are the keypoints
                assertTrue(o.points[p][i] >= 0 && o.points[p][i] <= 512);
            }
        }
    }

    @Test
    public void trackedOverlayKeepsColoursAcrossFrames() {
        Metadata meta = Fixtures.metadata();
        Decoder decoder = new Decoder(meta);
        Heads heads = Heads.fromOutputs(Fixtures.outputs(8690, meta), meta);
        Tracker tracker = Tracker.from(TrackerParityTest.metadata()); // the tracker fixtures' settings
        ViewTransform t = ViewTransform.of(Letterbox.fit(513, 513, 513, 513), 513, 513, 513, 513, false);
        int frames = 6; // the same picture, 0.1 s apart: the same tracks, once they are confirmed
        int[][] colourOfFrame = new int[frames][];
        int tracked = 0;
        for (int frame = 0; frame < frames; frame++) {
            Decoder.Result r = decoder.decode(heads, DecoderConfig.from(meta));
            OverlayFrame o = new OverlayFrame();
            o.begin(r.people.size(), meta.numKeypoints(), meta.edges.length, r.maskH * r.maskW);
            int[] colours = new int[r.people.size()];
            java.util.Arrays.fill(colours, 0xFF9E9E9E);
            tracked = 0;
            for (Track track : tracker.update(r.people, 0.1 * frame)) {
                colours[track.index] = PersonColours.of(track.id);
                o.addPerson(track.y, track.x, track.scores, r.people.get(track.index).score, colours[track.index], t, meta.edges, 0.1);
                tracked++;
            }
            o.setMask(r, colours, t);
            assertEquals(tracked, o.people);
            colourOfFrame[frame] = colours;
        }
        assertTrue("people tracked by the last frame", tracked > 0);
        assertTrue(java.util.Arrays.equals(colourOfFrame[frames - 2], colourOfFrame[frames - 1]));
    }
}
