package org.personlab.mobile.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.Test;

/**
 * The float-tensor path (GPU-delegate artifacts): the golden int8 outputs dequantized to float32 and
 * described as float32 heads decode to the same people as the int8 tensors (the scalar tree-walk
 * reader dequantizes after interpolating, the others before: equal up to rounding).
 */
public class FloatHeadsTest {
    @Test
    public void floatOutputsDecodeLikeTheirIntegerSource() {
        Metadata meta = Fixtures.metadata();
        String floatText = Fixtures.metadataText()
                .replace("\"dtype\": \"int8\"", "\"dtype\": \"float32\"")
                .replaceAll("\"scale\": [-0-9.eE]+", "\"scale\": 0.0")
                .replaceAll("\"zero_point\": -?[0-9]+", "\"zero_point\": 0");
        Metadata floatMeta = Metadata.parse(floatText);
        assertEquals("float32", floatMeta.heads.get("heatmaps").dtype);
        Decoder intDecoder = new Decoder(meta);
        Decoder floatDecoder = new Decoder(floatMeta);
        for (Object o : Fixtures.frames()) {
            int id = Json.integer(Json.object(o, "frame").get("image_id"), "image_id");
            Map<String, Object> ints = Fixtures.outputs(id, meta);
            Map<String, Object> floats = new HashMap<>();
            for (Map.Entry<String, Object> e : ints.entrySet()) {
                Metadata.HeadInfo h = meta.heads.get(e.getKey());
                byte[] b = (byte[]) e.getValue();
                float[] f = new float[b.length];
                for (int i = 0; i < b.length; i++) {
                    f[i] = Head.dequantize(b[i], (float) h.scale, h.zeroPoint);
                }
                floats.put(e.getKey(), f);
            }
            Decoder.Result a = intDecoder.decode(Heads.fromOutputs(ints, meta), DecoderConfig.from(meta));
            Decoder.Result b = floatDecoder.decode(Heads.fromOutputs(floats, floatMeta), DecoderConfig.from(meta));
            assertEquals("image " + id, a.people.size(), b.people.size());
            for (int p = 0; p < a.people.size(); p++) {
                for (int k = 0; k < 17; k++) {
                    assertEquals(a.people.get(p).y[k], b.people.get(p).y[k], 0.5);
                    assertEquals(a.people.get(p).x[k], b.people.get(p).x[k], 0.5);
                    assertEquals(a.people.get(p).scores[k], b.people.get(p).scores[k], 1e-4);
                }
            }
            int same = 0;
            for (int i = 0; i < a.labels.length; i++) {
                same += a.labels[i] == b.labels[i] ? 1 : 0;
            }
            assertTrue("image " + id + " labels agree", same >= 0.99 * a.labels.length);
        }
    }
}
