package org.personlab.mobile.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.Test;

/**
 * The Java decoder against the Python mobile decoder on the shipped full-int8 artifact's raw outputs
 * for real COCO val frames (0 to 30 people): same people, keypoints within 0.5 px, keypoint scores
 * within 1e-4, per-person masks IoU >= 0.99 on the mask grid.
 */
public class GoldenParityTest {
    static final double KEYPOINT_PX = 0.5;
    static final double SCORE_TOL = 1e-4;
    static final double MIN_IOU = 0.99;

    @Test
    public void javaDecoderMatchesPython() {
        Metadata meta = Fixtures.metadata();
        List<Object> frames = Fixtures.frames();
        assertTrue("at least 5 golden frames", frames.size() >= 5);
        double maxPx = 0;
        double maxScore = 0;
        double maxPersonScore = 0;
        double maxScale = 0;
        double minIou = 1;
        int totalPeople = 0;
        int zeroFrames = 0;
        StringBuilder table = new StringBuilder();
        Decoder decoder = new Decoder(meta);
        for (Object o : frames) {
            Map<String, Object> frame = Json.object(o, "frame");
            int id = Json.integer(frame.get("image_id"), "image_id");
            Decoder.Result r = decoder.decode(Heads.fromOutputs(Fixtures.outputs(id, meta), meta), DecoderConfig.from(meta));
            List<Object> want = Json.array(frame.get("people"), "people");
            assertEquals("image " + id + ": people", want.size(), r.people.size());
            zeroFrames += want.isEmpty() ? 1 : 0;
            totalPeople += want.size();
            double framePx = 0;
            for (int p = 0; p < want.size(); p++) {
                Map<String, Object> w = Json.object(want.get(p), "person");
                Person got = r.people.get(p);
                List<Object> yx = Json.array(w.get("yx"), "yx");
                double[] scores = Json.doubles(w.get("scores"), "scores");
                for (int k = 0; k < scores.length; k++) {
                    double[] pt = Json.doubles(yx.get(k), "yx");
                    double d = Math.max(Math.abs(pt[0] - got.y[k]), Math.abs(pt[1] - got.x[k]));
                    framePx = Math.max(framePx, d);
                    assertTrue(String.format(Locale.ROOT, "image %d person %d keypoint %d: (%f, %f) vs Python (%f, %f)",
                            id, p, k, got.y[k], got.x[k], pt[0], pt[1]), d <= KEYPOINT_PX);
                    double ds = Math.abs(scores[k] - got.scores[k]);
                    maxScore = Math.max(maxScore, ds);
                    assertTrue("image " + id + " person " + p + " keypoint " + k + " score " + got.scores[k] + " vs " + scores[k], ds <= SCORE_TOL);
                }
                maxPersonScore = Math.max(maxPersonScore, Math.abs(Json.number(w.get("score"), "score") - got.score));
                maxScale = Math.max(maxScale, Math.abs(Json.number(w.get("scale"), "scale") - got.scale));
            }
            maxPx = Math.max(maxPx, framePx);
            // masks
            int[] hw = Json.ints(frame.get("labels_hw"), "labels_hw");
            assertEquals(hw[0], r.maskH);
            assertEquals(hw[1], r.maskW);
            byte[] py = Fixtures.bytes(id + "_labels.bin");
            assertEquals(py.length, r.labels.length);
            double frameIou = 1;
            for (int p = 0; p < want.size(); p++) {
                int inter = 0;
                int union = 0;
                for (int i = 0; i < py.length; i++) {
                    boolean a = py[i] == p;
                    boolean b = r.labels[i] == p;
                    inter += a && b ? 1 : 0;
                    union += a || b ? 1 : 0;
                }
                double iou = union == 0 ? 1.0 : (double) inter / union;
                frameIou = Math.min(frameIou, iou);
                assertTrue("image " + id + " person " + p + " mask IoU " + iou, iou >= MIN_IOU);
            }
            int unassigned = 0;
            for (int i = 0; i < py.length; i++) {
                if ((py[i] == -1) != (r.labels[i] == -1)) {
                    unassigned++;
                }
            }
            minIou = Math.min(minIou, frameIou);
            table.append(String.format(Locale.ROOT, "  image %6d: %2d people, max keypoint err %.2e px, min mask IoU %.6f, %d cells differ in person/background%n",
                    id, want.size(), framePx, frameIou, unassigned));
        }
        assertTrue("a frame with nobody", zeroFrames >= 1);
        System.out.print(String.format(Locale.ROOT,
                "golden parity: %d frames, %d people; max keypoint err %.3e px, max keypoint score err %.3e, "
                        + "max person score err %.3e, max scale err %.3e, min mask IoU %.6f%n",
                frames.size(), totalPeople, maxPx, maxScore, maxPersonScore, maxScale, minIou) + table);
    }
}
