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

    /**
     * Asserts the people match within the tolerances; returns the largest keypoint, keypoint score,
     * person score and scale differences.
     */
    static double[] comparePeople(String what, List<Object> want, List<Person> got) {
        assertEquals(what + ": people", want.size(), got.size());
        double[] err = new double[4];
        for (int p = 0; p < want.size(); p++) {
            Map<String, Object> w = Json.object(want.get(p), "person");
            Person person = got.get(p);
            List<Object> yx = Json.array(w.get("yx"), "yx");
            double[] scores = Json.doubles(w.get("scores"), "scores");
            for (int k = 0; k < scores.length; k++) {
                double[] pt = Json.doubles(yx.get(k), "yx");
                double d = Math.max(Math.abs(pt[0] - person.y[k]), Math.abs(pt[1] - person.x[k]));
                err[0] = Math.max(err[0], d);
                assertTrue(String.format(Locale.ROOT, "%s person %d keypoint %d: (%f, %f) vs Python (%f, %f)",
                        what, p, k, person.y[k], person.x[k], pt[0], pt[1]), d <= KEYPOINT_PX);
                double ds = Math.abs(scores[k] - person.scores[k]);
                err[1] = Math.max(err[1], ds);
                assertTrue(what + " person " + p + " keypoint " + k + " score " + person.scores[k] + " vs " + scores[k], ds <= SCORE_TOL);
            }
            err[2] = Math.max(err[2], Math.abs(Json.number(w.get("score"), "score") - person.score));
            err[3] = Math.max(err[3], Math.abs(Json.number(w.get("scale"), "scale") - person.scale));
        }
        return err;
    }

    /** The peak cap (max_candidates) on the most crowded frame, against Python with the same cap. */
    @Test
    public void cappedCandidatesMatchPython() {
        Metadata meta = Fixtures.metadata();
        Map<String, Object> capped = Json.object(Fixtures.golden().get("capped"), "capped");
        int id = Json.integer(capped.get("image_id"), "image_id");
        DecoderConfig cfg = DecoderConfig.from(meta);
        cfg.maxCandidates = Json.integer(capped.get("max_candidates"), "max_candidates");
        Decoder.Result r = new Decoder(meta).decode(Heads.fromOutputs(Fixtures.outputs(id, meta), meta), cfg);
        List<Object> want = Json.array(capped.get("people"), "people");
        double[] err = comparePeople("image " + id + " with " + cfg.maxCandidates + " candidates", want, r.people);
        assertTrue("the cap changes the decode", want.size() < Json.array(frameOf(id).get("people"), "people").size());
        System.out.printf(Locale.ROOT, "capped candidates: image %d, %d people, max keypoint err %.3e px%n", id, want.size(), err[0]);
    }

    private static Map<String, Object> frameOf(int id) {
        for (Object o : Fixtures.frames()) {
            Map<String, Object> f = Json.object(o, "frame");
            if (Json.integer(f.get("image_id"), "image_id") == id) {
                return f;
            }
        }
        throw new IllegalStateException("no golden frame " + id);
    }

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
            zeroFrames += want.isEmpty() ? 1 : 0;
            totalPeople += want.size();
            double[] err = comparePeople("image " + id, want, r.people);
            double framePx = err[0];
            maxScore = Math.max(maxScore, err[1]);
            maxPersonScore = Math.max(maxPersonScore, err[2]);
            maxScale = Math.max(maxScale, err[3]);
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
