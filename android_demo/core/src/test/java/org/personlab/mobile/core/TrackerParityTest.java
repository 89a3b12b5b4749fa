package org.personlab.mobile.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * The Java tracker against the Python one (mobile_decoder/tracking.py) on the people the Python decoder
 * found in real clips (android_demo/tools/make_tracking_golden.py): the same track ids and person indices
 * in every frame, smoothed keypoints within 1e-6 px.
 */
public class TrackerParityTest {
    static final double KEYPOINT_PX = 1e-6;

    static Metadata metadata() {
        return Metadata.parse(new String(Fixtures.resource("tracking/metadata.json"), StandardCharsets.UTF_8));
    }

    static Map<String, Object> sequences() {
        Object root = Json.parse(new String(Fixtures.resource("tracking/tracking.json"), StandardCharsets.UTF_8));
        return Json.object(Json.object(root, "tracking").get("sequences"), "sequences");
    }

    /** The decoded people of one golden frame. */
    static List<Person> people(Map<String, Object> frame) {
        List<Person> out = new ArrayList<>();
        for (Object o : Json.array(frame.get("people"), "people")) {
            Map<String, Object> p = Json.object(o, "person");
            List<Object> yx = Json.array(p.get("yx"), "yx");
            double[] y = new double[yx.size()];
            double[] x = new double[yx.size()];
            for (int k = 0; k < y.length; k++) {
                double[] pt = Json.doubles(yx.get(k), "yx");
                y[k] = pt[0];
                x[k] = pt[1];
            }
            out.add(new Person(y, x, Json.doubles(p.get("scores"), "scores"), Json.number(p.get("scale"), "scale")));
        }
        return out;
    }

    /** The metadata's settings with a golden sequence's overrides. */
    static TrackerConfig config(Metadata meta, Map<String, Object> overrides) {
        TrackerConfig c = TrackerConfig.from(meta);
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            if (e.getKey().equals("smoothing")) {
                c.smoothing = (Boolean) e.getValue();
            } else if (e.getKey().equals("max_age_s")) {
                c.maxAgeS = Json.number(e.getValue(), "max_age_s");
            } else if (e.getKey().equals("min_person_score")) {
                c.minPersonScore = Json.number(e.getValue(), "min_person_score");
            } else {
                throw new IllegalArgumentException("override " + e.getKey() + " not handled by the test");
            }
        }
        return c;
    }

    @Test
    public void javaTrackerMatchesPython() {
        Metadata meta = metadata();
        Map<String, Object> sequences = sequences();
        assertTrue("golden sequences", sequences.size() >= 3);
        for (Map.Entry<String, Object> s : sequences.entrySet()) {
            Map<String, Object> seq = Json.object(s.getValue(), s.getKey());
            Tracker tracker = new Tracker(config(meta, Json.object(seq.get("overrides"), "overrides")), meta.oksSigmas);
            double maxPx = 0;
            int frameNo = 0;
            for (Object f : Json.array(seq.get("frames"), "frames")) {
                Map<String, Object> frame = Json.object(f, "frame");
                List<Person> people = people(frame);
                List<Track> got = tracker.update(people, Json.number(frame.get("time"), "time"));
                List<Object> want = Json.array(frame.get("tracks"), "tracks");
                String where = s.getKey() + " frame " + frameNo;
                assertEquals(where + ": tracks", want.size(), got.size());
                for (int i = 0; i < want.size(); i++) {
                    Map<String, Object> w = Json.object(want.get(i), "track");
                    Track g = got.get(i);
                    assertEquals(where + ": id", Json.integer(w.get("id"), "id"), g.id);
                    assertEquals(where + ": index", Json.integer(w.get("index"), "index"), g.index);
                    assertEquals(where + ": trackIdOf", g.id, tracker.trackIdOf(g.index));
                    List<Object> yx = Json.array(w.get("yx"), "yx");
                    for (int k = 0; k < yx.size(); k++) {
                        double[] pt = Json.doubles(yx.get(k), "yx");
                        maxPx = Math.max(maxPx, Math.max(Math.abs(pt[0] - g.y[k]), Math.abs(pt[1] - g.x[k])));
                    }
                }
                frameNo++;
            }
            assertTrue(s.getKey() + ": smoothed keypoints off by " + maxPx + " px", maxPx <= KEYPOINT_PX);
        }
    }

    @Test
    public void emptyFramesAndMissingSettings() {
        Metadata meta = metadata();
        Tracker tracker = Tracker.from(meta);
        assertEquals(0, tracker.update(new ArrayList<Person>(), 0.0).size());
        assertEquals(-1, tracker.trackIdOf(0));
        String text = new String(Fixtures.resource("tracking/metadata.json"), StandardCharsets.UTF_8);
        try {
            TrackerConfig.from(Metadata.parse(text.replace("\"tracker\"", "\"no_tracker\"")));
            throw new AssertionError("a metadata without tracker settings was accepted");
        } catch (MetadataException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("tracker"));
        }
    }
}
