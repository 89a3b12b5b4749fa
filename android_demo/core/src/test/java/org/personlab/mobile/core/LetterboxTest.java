package org.personlab.mobile.core;

import static org.junit.Assert.assertEquals;

import java.util.Map;
import org.junit.Test;

/** Letterbox numbers against personlab.geometry.letterbox (written into golden.json by make_golden.py). */
public class LetterboxTest {
    @Test
    public void matchesPythonCases() {
        Map<String, Object> golden = Fixtures.golden();
        int[] input = Json.ints(golden.get("input_size"), "input_size");
        int n = 0;
        for (Object o : Json.array(golden.get("letterbox_cases"), "letterbox_cases")) {
            Map<String, Object> c = Json.object(o, "case");
            int[] hw = Json.ints(c.get("image_hw"), "image_hw");
            Letterbox lb = Letterbox.fit(hw[0], hw[1], input[0], input[1]);
            assertEquals("scale " + lb, Json.number(c.get("scale"), "scale"), lb.scale, 1e-12);
            assertEquals("tx " + lb, Json.number(c.get("tx"), "tx"), lb.tx, 1e-9);
            assertEquals("ty " + lb, Json.number(c.get("ty"), "ty"), lb.ty, 1e-9);
            n++;
        }
        for (Object o : Json.array(golden.get("frames"), "frames")) {
            Map<String, Object> f = Json.object(o, "frame");
            int[] hw = Json.ints(f.get("image_hw"), "image_hw");
            Map<String, Object> c = Json.object(f.get("letterbox"), "letterbox");
            Letterbox lb = Letterbox.fit(hw[0], hw[1], input[0], input[1]);
            assertEquals(Json.number(c.get("scale"), "scale"), lb.scale, 1e-12);
            assertEquals(Json.number(c.get("tx"), "tx"), lb.tx, 1e-9);
            assertEquals(Json.number(c.get("ty"), "ty"), lb.ty, 1e-9);
            n++;
        }
        assertEquals(true, n >= 10);
    }

    @Test
    public void roundTripsAndCentres() {
        Letterbox lb = Letterbox.fit(480, 640, 513, 513);
        assertEquals(513.0 / 640.0, lb.scale, 1e-15);
        assertEquals(0.0, lb.tx, 1e-12);
        assertEquals((513 - lb.scale * 480) / 2, lb.ty, 1e-12);
        assertEquals(123.25, lb.toImageX(lb.toInputX(123.25)), 1e-9);
        assertEquals(77.5, lb.toImageY(lb.toInputY(77.5)), 1e-9);
        // the image's far corner lands on the input's far edge (width-limited)
        assertEquals(513.0, lb.toInputX(640), 1e-9);
    }

    @Test(expected = IllegalArgumentException.class)
    public void rejectsEmptyImages() {
        Letterbox.fit(0, 640, 513, 513);
    }
}
