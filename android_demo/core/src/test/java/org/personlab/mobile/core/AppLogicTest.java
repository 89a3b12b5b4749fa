package org.personlab.mobile.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import org.junit.Test;

/** The app's decisions that are not Android calls: backends per API level, the model picker, stage times, colours. */
public class AppLogicTest {
    @Test
    public void nnapiOnlyWhereItIsNeitherTooOldNorDeprecated() {
        assertEquals(Arrays.asList(Backend.CPU, Backend.GPU), Backend.offered(26));
        assertEquals(Arrays.asList(Backend.CPU, Backend.GPU, Backend.NNAPI), Backend.offered(27));
        assertEquals(Arrays.asList(Backend.CPU, Backend.GPU, Backend.NNAPI), Backend.offered(34));
        assertEquals(Arrays.asList(Backend.CPU, Backend.GPU), Backend.offered(35));
        assertTrue(Backend.NNAPI.label.contains("legacy"));
        assertTrue(Backend.CPU.usesThreads());
        assertTrue(!Backend.GPU.usesThreads());
    }

    @Test
    public void catalogPicksTheVariantOfEachBackend() {
        ModelCatalog c = new ModelCatalog(new String[] {
            "personlab_mobilenet_v1_075_513x513_full_int8.tflite", "personlab_mobilenet_v1_075_513x513_full_int8.json",
            "personlab_mobilenet_v1_075_513x513_float16.tflite", "personlab_mobilenet_v1_075_353x481_full_int8.tflite",
            "personlab_mobilenet_v1_075_s8_353x481_full_int8.tflite", "images", "notes.txt"});
        assertEquals(Arrays.asList("353x481", "353x481 s8", "513x513"), c.sizes());
        assertEquals("personlab_mobilenet_v1_075_s8_353x481_full_int8.tflite", c.pick(Backend.CPU, "353x481 s8").file);
        assertEquals("mobilenet_v1_075", c.pick(Backend.CPU, "353x481 s8").backbone);
        assertEquals("personlab_mobilenet_v1_075_513x513_full_int8.tflite", c.pick(Backend.CPU, "513x513").file);
        assertEquals("personlab_mobilenet_v1_075_513x513_full_int8.tflite", c.pick(Backend.NNAPI, "513x513").file);
        assertEquals("personlab_mobilenet_v1_075_513x513_float16.tflite", c.pick(Backend.GPU, "513x513").file);
        ModelCatalog.Model m = c.pick(Backend.CPU, "353x481");
        assertEquals(353, m.inputH);
        assertEquals(481, m.inputW);
        assertEquals("mobilenet_v1_075", m.backbone);
        try {
            c.pick(Backend.GPU, "353x481");
            fail("picked a missing float16 model");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("float16") && err.getMessage().contains("make android-assets"));
        }
    }

    @Test
    public void stageTimesStartAtTheFirstFrameAndSmooth() {
        StageTimes t = new StageTimes();
        t.add(2_000_000, 10_000_000, 1_000_000, 1_000_000_000L);
        assertEquals(2.0, t.preprocessMs(), 1e-12);
        assertEquals(10.0, t.inferenceMs(), 1e-12);
        assertEquals(0.0, t.fps(), 0.0);
        t.add(4_000_000, 10_000_000, 1_000_000, 1_050_000_000L); // 50 ms later: 20 FPS
        assertEquals(2.2, t.preprocessMs(), 1e-12);
        assertEquals(20.0, t.fps(), 1e-9);
        assertTrue(t.toString(), t.toString().contains("20.0 FPS"));
    }

    @Test
    public void coloursFollowIds() {
        int[] out = new int[3];
        PersonColours.fill(new int[] {7, 0, 7}, 3, out);
        assertEquals(out[0], out[2]);
        assertTrue(out[0] != out[1]);
        assertEquals(PersonColours.of(-1), PersonColours.of(15));
    }
}
