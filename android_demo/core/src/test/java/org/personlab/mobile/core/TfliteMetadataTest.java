package org.personlab.mobile.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.Assume;
import org.junit.Test;

/**
 * The metadata embedded in real .tflite flatbuffers: the golden artifact without its weights (a test
 * fixture) and, when `-Dpersonlab.artifact=` names one (make android-test passes the shipped full-int8
 * artifact if it is built), the artifact itself against the JSON beside it. And the tensor check.
 */
public class TfliteMetadataTest {
    private static Object embedded(byte[] model) {
        return Json.parse(TfliteMetadata.readText(ByteBuffer.wrap(model), TfliteMetadata.PERSONLAB));
    }

    @Test
    public void goldenModelCarriesTheGoldenMetadata() {
        Object inModel = embedded(Fixtures.bytes("model_no_weights.tflite"));
        assertEquals(Json.parse(Fixtures.metadataText()), inModel);
        Metadata meta = Metadata.parse(TfliteMetadata.readText(ByteBuffer.wrap(Fixtures.bytes("model_no_weights.tflite")),
                TfliteMetadata.PERSONLAB));
        assertEquals(513, meta.inputH);
    }

    @Test
    public void shippedArtifactCarriesTheJsonBesideIt() throws IOException {
        String path = System.getProperty("personlab.artifact", "");
        File model = new File(path);
        Assume.assumeTrue("no -Dpersonlab.artifact (or not built): " + path, !path.isEmpty() && model.isFile());
        File json = new File(path.replaceAll("\\.tflite$", ".json"));
        Object beside = Json.parse(new String(Files.readAllBytes(json.toPath()), StandardCharsets.UTF_8));
        assertEquals(beside, embedded(Files.readAllBytes(model.toPath())));
    }

    @Test
    public void missingEntryAndNonModelsFailClearly() {
        try {
            TfliteMetadata.read(ByteBuffer.wrap(Fixtures.bytes("model_no_weights.tflite")), "no_such_entry");
            fail("found a missing entry");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("no_such_entry"));
        }
        try {
            TfliteMetadata.read(ByteBuffer.wrap(Fixtures.bytes("golden.json")), TfliteMetadata.PERSONLAB);
            fail("read a JSON file as a model");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("TFL3"));
        }
        byte[] truncated = java.util.Arrays.copyOf(Fixtures.bytes("model_no_weights.tflite"), 4096);
        try {
            TfliteMetadata.read(ByteBuffer.wrap(truncated), TfliteMetadata.PERSONLAB);
            fail("read a truncated model");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("valid"));
        }
    }

    private static Map<String, TensorInfo> outputsOf(Metadata meta) {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        for (Metadata.HeadInfo h : meta.heads.values()) {
            out.put(h.name, new TensorInfo(h.name, h.shape, h.dtype, h.scale, h.zeroPoint));
        }
        return out;
    }

    @Test
    public void tensorsMatchingTheMetadataPassAndEveryMismatchIsNamedOnce() {
        Metadata meta = Fixtures.metadata();
        TensorInfo input = new TensorInfo("image", new int[] {1, 513, 513, 3}, "uint8", 1.0, 0);
        ModelCheck.check(meta, input, outputsOf(meta));
        Map<String, TensorInfo> bad = outputsOf(meta);
        Metadata.HeadInfo h = meta.heads.get("mid_offsets");
        bad.put("mid_offsets", new TensorInfo("mid_offsets", h.shape, h.dtype, h.scale * 2, h.zeroPoint));
        bad.put("heatmaps", new TensorInfo("heatmaps", new int[] {1, 17, 33, 33}, "float32", 0.0, 0));
        bad.remove("segmentation");
        try {
            ModelCheck.check(meta, new TensorInfo("image", new int[] {1, 353, 481, 3}, "float32", 0.0, 0), bad);
            fail("accepted mismatching tensors");
        } catch (MetadataException err) {
            String m = err.getMessage();
            for (String want : new String[] {"input [1, 353, 481, 3]", "input dtype float32", "mid_offsets quantization",
                "heatmaps shape", "heatmaps dtype float32", "no output 'segmentation'"}) {
                assertTrue(m, m.contains(want));
            }
        }
    }
}
