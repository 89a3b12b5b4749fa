package org.personlab.mobile.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;
import org.junit.Test;

public class JsonTest {
    @Test
    public void parsesNestedValues() {
        Map<String, Object> m = Json.object(Json.parse(
                " {\"a\": [1, -2.5, 3e2, 0.1], \"b\": {\"c\": true, \"d\": null, \"e\": false}, \"s\": \"x\\\"y\\\\z\\u00e9\\n\"} "), "root");
        List<Object> a = Json.array(m.get("a"), "a");
        assertEquals(1L, a.get(0));
        assertEquals(-2.5, (Double) a.get(1), 0.0);
        assertEquals(300.0, (Double) a.get(2), 0.0);
        assertEquals(0.1, (Double) a.get(3), 0.0);
        Map<String, Object> b = Json.object(m.get("b"), "b");
        assertEquals(Boolean.TRUE, b.get("c"));
        assertTrue(b.containsKey("d"));
        assertNull(b.get("d"));
        assertEquals(Boolean.FALSE, b.get("e"));
        assertEquals("x\"y\\z\u00e9\n", m.get("s"));
    }

    @Test
    public void roundTripsDoublesExactly() {
        // Python's json writes repr(float): the shortest string that round-trips
        assertEquals(0.419816792011261, Json.number(Json.parse("0.419816792011261"), "x"), 0.0);
        assertEquals(1.0 / 3.0, Json.number(Json.parse("0.3333333333333333"), "x"), 0.0);
        assertEquals(-1e-300, Json.number(Json.parse("-1e-300"), "x"), 0.0);
        assertEquals(12345678901234567890.0, Json.number(Json.parse("12345678901234567890"), "x"), 0.0);
    }

    @Test
    public void emptyContainers() {
        assertTrue(Json.object(Json.parse("{}"), "o").isEmpty());
        assertTrue(Json.array(Json.parse("[ ]"), "a").isEmpty());
    }

    @Test
    public void rejectsMalformed() {
        String[] bad = {"", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "\"abc", "tru", "[1] x", "{'a':1}",
            "\"\\x\"", "NaN", "[1 2]"};
        for (String s : bad) {
            try {
                Json.parse(s);
                fail("parsed malformed JSON: " + s);
            } catch (Json.JsonException expected) {
                assertTrue(expected.getMessage().contains("offset"));
            }
        }
    }

    @Test
    public void parsesTheArtifactMetadata() {
        Metadata m = Fixtures.metadata();
        assertEquals(2, m.version);
        assertEquals(16, m.stride);
        assertEquals(513, m.inputH);
        assertEquals(513, m.inputW);
        assertEquals(17, m.numKeypoints());
        assertEquals(32, m.directedEdges.length);
        assertEquals(5, m.heads.size());
        Metadata.HeadInfo h = m.heads.get("heatmaps");
        assertEquals("int8", h.dtype);
        assertEquals(0.00390625, h.scale, 0.0);
        assertEquals(-128, h.zeroPoint);
        assertEquals("probability", h.kind);
        assertEquals(33 * 33 * 17, h.size());
        assertEquals("nose", m.keypoints.get(0));
    }
}
