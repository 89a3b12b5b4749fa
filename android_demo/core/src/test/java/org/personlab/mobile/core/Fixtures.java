package org.personlab.mobile.core;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The golden fixtures (android_demo/tools/make_golden.py) from the test classpath: /golden/... */
final class Fixtures {
    private Fixtures() {
    }

    static byte[] bytes(String name) {
        return resource("golden/" + name);
    }

    /** A test resource by path (golden/..., frames/..., models/...). */
    static byte[] resource(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/" + path)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + path + " (make android-fixtures)");
            }
            return Streams.readAll(in);
        } catch (IOException err) {
            throw new IllegalStateException(err);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    static String metadataText() {
        return text("metadata.json");
    }

    static Metadata metadata() {
        return Metadata.parse(metadataText());
    }

    static Map<String, Object> golden() {
        return Json.object(Json.parse(text("golden.json")), "golden");
    }

    /** tools/make_frame_golden.py's frames.json. */
    static Map<String, Object> frameGolden() {
        return Json.object(Json.parse(new String(resource("frames/frames.json"), StandardCharsets.UTF_8)), "frames");
    }

    static List<Object> frames() {
        return Json.array(golden().get("frames"), "frames");
    }

    /** The image id of the first golden frame with people in it (edge-case tests start from real tensors). */
    static int frameWithPeople() {
        for (Object frame : frames()) {
            Map<String, Object> f = Json.object(frame, "frame");
            if (!Json.array(f.get("people"), "people").isEmpty()) {
                return ((Number) f.get("image_id")).intValue();
            }
        }
        throw new IllegalStateException("no golden frame with people (make android-fixtures)");
    }

    static Map<String, Object> outputs(int imageId, Metadata meta) {
        Map<String, Object> out = new HashMap<>();
        for (String name : meta.heads.keySet()) {
            out.put(name, bytes(imageId + "_" + name + ".bin"));
        }
        return out;
    }
}
