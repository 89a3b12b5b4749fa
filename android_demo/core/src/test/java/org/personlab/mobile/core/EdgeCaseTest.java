package org.personlab.mobile.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.Map;
import org.junit.Test;

public class EdgeCaseTest {
    private static Map<String, Object> zeros(Metadata meta) {
        Map<String, Object> out = Fixtures.outputs(42070, meta);
        for (String name : meta.heads.keySet()) {
            byte[] b = new byte[meta.heads.get(name).size()];
            Arrays.fill(b, (byte) meta.heads.get(name).zeroPoint); // real value 0 everywhere
            out.put(name, b);
        }
        return out;
    }

    @Test
    public void allZeroHeatmapsGiveNobody() {
        Metadata meta = Fixtures.metadata();
        Map<String, Object> out = Fixtures.outputs(1000, meta); // 30 people in Python
        byte[] heat = new byte[meta.heads.get("heatmaps").size()];
        Arrays.fill(heat, (byte) meta.heads.get("heatmaps").zeroPoint);
        out.put("heatmaps", heat);
        Decoder.Result r = new Decoder(meta).decode(Heads.fromOutputs(out, meta), DecoderConfig.from(meta));
        assertEquals(0, r.people.size());
        for (int v : r.labels) {
            assertEquals(-1, v);
        }
        assertEquals(257 * 257, r.labels.length);
        r = new Decoder(meta).decode(Heads.fromOutputs(zeros(meta), meta), DecoderConfig.from(meta));
        assertEquals(0, r.people.size());
    }

    @Test
    public void saturatedHeadsStayFinite() {
        Metadata meta = Fixtures.metadata();
        Map<String, Object> out = Fixtures.outputs(1000, meta);
        for (String name : new String[] {"short_offsets", "mid_offsets", "long_offsets"}) {
            byte[] b = ((byte[]) out.get(name)).clone();
            for (int i = 0; i < b.length; i += 3) {
                b[i] = (byte) (i % 2 == 0 ? 127 : -128);
            }
            out.put(name, b);
        }
        Decoder.Result r = new Decoder(meta).decode(Heads.fromOutputs(out, meta), DecoderConfig.from(meta));
        for (Person p : r.people) {
            for (int k = 0; k < p.numKeypoints(); k++) {
                assertTrue(p.y[k] >= 0 && p.y[k] <= 512 && p.x[k] >= 0 && p.x[k] <= 512);
                assertTrue(p.scores[k] >= 0 && p.scores[k] <= 1);
            }
        }
    }

    @Test
    public void truncatedTensorNamesTheHead() {
        Metadata meta = Fixtures.metadata();
        Map<String, Object> out = Fixtures.outputs(Fixtures.frameWithPeople(), meta);
        byte[] mid = (byte[]) out.get("mid_offsets");
        out.put("mid_offsets", Arrays.copyOf(mid, mid.length - 64));
        try {
            Heads.fromOutputs(out, meta);
            fail("accepted a truncated tensor");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("mid_offsets"));
            assertTrue(err.getMessage(), err.getMessage().contains("truncated"));
        }
    }

    @Test
    public void missingOrWronglyTypedHeadsAreRejected() {
        Metadata meta = Fixtures.metadata();
        Map<String, Object> out = Fixtures.outputs(Fixtures.frameWithPeople(), meta);
        out.remove("segmentation");
        try {
            Heads.fromOutputs(out, meta);
            fail("accepted a missing head");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("segmentation"));
        }
        out = Fixtures.outputs(Fixtures.frameWithPeople(), meta);
        out.put("heatmaps", new float[33 * 33 * 17]);
        try {
            Heads.fromOutputs(out, meta);
            fail("accepted float data for an int8 head");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("heatmaps"));
        }
    }

    @Test
    public void metadataVersionMismatchIsClear() {
        String text = Fixtures.metadataText().replaceFirst("\"metadata_version\": 2", "\"metadata_version\": 1");
        assertTrue(text.contains("\"metadata_version\": 1"));
        try {
            Metadata.parse(text);
            fail("accepted metadata version 1");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("metadata version 1"));
            assertTrue(err.getMessage(), err.getMessage().contains("reads version 2"));
        }
        try {
            Metadata.parse("{\"stride\": 16}");
            fail("accepted metadata without a version");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("metadata version null"));
        }
    }

    @Test
    public void metadataMissingFieldsOrBadJson() {
        String text = Fixtures.metadataText().replaceFirst("\"stride\": 16,", "");
        try {
            Metadata.parse(text);
            fail("accepted metadata without a stride");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("stride"));
        }
        try {
            Metadata.parse("{\"metadata_version\": 1,");
            fail("accepted broken JSON");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("not valid JSON"));
        }
    }

    @Test
    public void onlyOneMaskHeadIsRejected() {
        String text = Fixtures.metadataText();
        int at = text.indexOf("\"segmentation\": {");
        assertTrue(at > 0);
        String broken = text.substring(0, at) + "\"segmentation_x\": {" + text.substring(at + "\"segmentation\": {".length());
        Metadata meta = Metadata.parse(broken);
        try {
            Heads.fromOutputs(Fixtures.outputs(Fixtures.frameWithPeople(), Fixtures.metadata()), meta);
            fail("accepted long offsets without segmentation");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("all or none"));
        }
    }

    @Test
    public void channelCountsAndDecoderDefaultsComeFromTheMetadata() {
        Metadata meta = Fixtures.metadata();
        assertEquals(17, meta.specHeads.get("heatmaps").channels);
        assertEquals(Metadata.MASK, meta.specHeads.get("long_offsets").group);
        DecoderConfig cfg = DecoderConfig.from(meta);
        assertEquals(Json.number(meta.decoder.get("nms_radius"), "nms_radius"), cfg.nmsRadius, 0.0);
        assertEquals(Json.integer(meta.decoder.get("max_people"), "max_people"), cfg.maxPeople);
        assertEquals(meta.decoder.get("long_range_recovery"), cfg.longRangeRecovery);
        // a spec that says 18 heatmap channels rejects the 17-channel tensor
        String text = Fixtures.metadataText();
        int at = text.indexOf("\"channels\": 17", text.indexOf("\"spec\""));
        assertTrue(at > 0);
        Metadata other = Metadata.parse(text.substring(0, at) + "\"channels\": 18" + text.substring(at + "\"channels\": 17".length()));
        try {
            Heads.fromOutputs(Fixtures.outputs(Fixtures.frameWithPeople(), meta), other);
            fail("accepted 17 heatmap channels where the spec says 18");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("heatmaps"));
        }
        try {
            DecoderConfig.from(Metadata.parse(text.replaceFirst("\"nms_radius\"", "\"nms_radius_x\"")));
            fail("accepted decoder settings without nms_radius");
        } catch (MetadataException err) {
            assertTrue(err.getMessage(), err.getMessage().contains("nms_radius"));
        }
    }

    @Test
    public void dequantizationIsFloat32() {
        Metadata meta = Fixtures.metadata();
        Metadata.HeadInfo h = meta.heads.get("short_offsets");
        float scale = (float) h.scale;
        assertEquals((float) ((127 - h.zeroPoint) * h.scale), Head.dequantize(127, scale, h.zeroPoint), 1e-5f);
        assertEquals(0.0f, Head.dequantize(h.zeroPoint, scale, h.zeroPoint), 0.0f);
        // probabilities: -128 -> 0, 127 -> 255/256
        Metadata.HeadInfo p = meta.heads.get("heatmaps");
        assertEquals(0.0f, Head.dequantize(-128, (float) p.scale, p.zeroPoint), 0.0f);
        assertEquals(255f / 256f, Head.dequantize(127, (float) p.scale, p.zeroPoint), 0.0f);
        // and Head.read: a saturated offset is clipped to +- the input size, a probability to [0, 1]
        Map<String, Object> out = Fixtures.outputs(Fixtures.frameWithPeople(), meta);
        byte[] shortOffsets = ((byte[]) out.get("short_offsets")).clone();
        shortOffsets[0] = 127;
        out.put("short_offsets", shortOffsets);
        Heads heads = Heads.fromOutputs(out, meta);
        float v = heads.get("short_offsets").read(0, 0);
        assertEquals(((float) 127 - (float) h.zeroPoint) * scale, v, 0.0f);
    }

    @Test
    public void treeTableReachesEveryKeypoint() {
        Metadata meta = Fixtures.metadata();
        int[][][] table = Grouping.treeTable(meta.directedEdges, 17);
        for (int root = 0; root < 17; root++) {
            boolean[] seen = new boolean[17];
            seen[root] = true;
            for (int[] step : table[root]) {
                assertTrue("source before target", seen[step[1]]);
                seen[step[2]] = true;
            }
            for (boolean b : seen) {
                assertTrue(b);
            }
        }
    }

    @Test
    public void medianAveragesTheMiddlePair() {
        assertEquals(2.5, Grouping.median(new double[] {4, 1, 3, 2}, 4), 0.0);
        assertEquals(3.0, Grouping.median(new double[] {5, 3, 1}, 3), 0.0);
    }
}
