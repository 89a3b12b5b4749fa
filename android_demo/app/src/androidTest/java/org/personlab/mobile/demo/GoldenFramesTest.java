package org.personlab.mobile.demo;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import android.content.Context;
import android.content.res.AssetManager;
import android.graphics.Bitmap;
import android.graphics.BitmapFactory;
import android.util.Log;
import androidx.test.ext.junit.runners.AndroidJUnit4;
import androidx.test.platform.app.InstrumentationRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.personlab.mobile.core.Backend;
import org.personlab.mobile.core.Decoder;
import org.personlab.mobile.core.DecoderConfig;
import org.personlab.mobile.core.Heads;
import org.personlab.mobile.core.Json;
import org.personlab.mobile.core.Metadata;
import org.personlab.mobile.core.ModelCatalog;
import org.personlab.mobile.core.Person;
import org.personlab.mobile.core.Streams;

/**
 * The golden COCO frames through the app's own path on a device: PNG -> FrameConverter (must give the
 * bytes of Python's letterbox) -> LiteRT on the CPU (raw int8 outputs against the ones the x86 build
 * wrote) -> Decoder (people against the Python decoder's). Needs `make android-assets` and
 * `make android-device-fixtures` before `./gradlew connectedAndroidTest`.
 */
@RunWith(AndroidJUnit4.class)
public class GoldenFramesTest {
    private static final double KEYPOINT_PX = 0.5; // the JVM parity test's tolerances
    private static final double SCORE_TOL = 1e-4;
    private static final String TAG = "GoldenFramesTest";

    private static byte[] read(AssetManager assets, String name) throws IOException {
        try (InputStream in = assets.open(name)) {
            return Streams.readAll(in);
        }
    }

    private static Map<String, Object> json(AssetManager assets, String name) throws IOException {
        return Json.object(Json.parse(new String(read(assets, name), StandardCharsets.UTF_8)), name);
    }

    private static String sha256(byte[] b) throws Exception {
        StringBuilder s = new StringBuilder();
        for (byte x : MessageDigest.getInstance("SHA-256").digest(b)) {
            s.append(String.format(Locale.ROOT, "%02x", x));
        }
        return s.toString();
    }

    private static byte[] rgba(Bitmap bitmap) {
        int w = bitmap.getWidth();
        int h = bitmap.getHeight();
        int[] argb = new int[w * h];
        bitmap.getPixels(argb, 0, w, 0, 0, w, h);
        byte[] out = new byte[4 * w * h];
        for (int i = 0; i < argb.length; i++) {
            out[4 * i] = (byte) (argb[i] >> 16);
            out[4 * i + 1] = (byte) (argb[i] >> 8);
            out[4 * i + 2] = (byte) argb[i];
            out[4 * i + 3] = (byte) 0xFF;
        }
        return out;
    }

    private static void assertSamePeople(String what, List<Object> want, List<Person> got) {
        assertEquals(what + ": people", want.size(), got.size());
        for (int p = 0; p < want.size(); p++) {
            Map<String, Object> w = Json.object(want.get(p), "person");
            List<Object> yx = Json.array(w.get("yx"), "yx");
            double[] scores = Json.doubles(w.get("scores"), "scores");
            for (int k = 0; k < scores.length; k++) {
                double[] pt = Json.doubles(yx.get(k), "yx");
                assertEquals(what + " person " + p + " y" + k, pt[0], got.get(p).y[k], KEYPOINT_PX);
                assertEquals(what + " person " + p + " x" + k, pt[1], got.get(p).x[k], KEYPOINT_PX);
                assertEquals(what + " person " + p + " score " + k, scores[k], got.get(p).scores[k], SCORE_TOL);
            }
        }
    }

    @Test
    public void goldenFramesThroughTheAppPath() throws Exception {
        Context app = InstrumentationRegistry.getInstrumentation().getTargetContext();
        AssetManager fixtures = InstrumentationRegistry.getInstrumentation().getContext().getAssets();
        Map<String, Object> golden = json(fixtures, "golden/golden.json");
        Map<String, Object> device = json(fixtures, "device/frames.json");
        ModelCatalog catalog = new ModelCatalog(app.getAssets().list(""));
        int[] size = Json.ints(golden.get("input_size"), "input_size");
        ModelCatalog.Model model = catalog.pick(Backend.CPU, size[0] + "x" + size[1]);
        assertEquals(golden.get("artifact"), model.file);
        Map<Integer, String> inputSha = new HashMap<>();
        for (Object o : Json.array(device.get("frames"), "frames")) {
            Map<String, Object> f = Json.object(o, "frame");
            inputSha.put(Json.integer(f.get("image_id"), "image_id"), (String) f.get("input_sha256"));
        }
        try (PoseEstimator estimator = new PoseEstimator(app, model, Backend.CPU, 2)) {
            Metadata meta = estimator.metadata;
            Decoder reference = new Decoder(meta);
            for (Object o : Json.array(golden.get("frames"), "frames")) {
                Map<String, Object> frame = Json.object(o, "frame");
                int id = Json.integer(frame.get("image_id"), "image_id");
                Bitmap bitmap = BitmapFactory.decodeStream(fixtures.open("device/" + id + ".png"));
                Decoder.Result got = estimator.processRgba(rgba(bitmap), bitmap.getWidth(), bitmap.getHeight());
                assertEquals("image " + id + ": model input bytes", inputSha.get(id), sha256(estimator.converter.rgb()));
                List<Object> want = Json.array(frame.get("people"), "people");
                int people = got.people.size();
                // raw outputs: the same int8 graph on ARM may round a few values differently from x86
                Map<String, Object> goldenOutputs = new HashMap<>();
                int differing = 0;
                int total = 0;
                int maxDiff = 0;
                for (String head : meta.heads.keySet()) {
                    byte[] mine = (byte[]) estimator.rawOutput(head);
                    byte[] theirs = read(fixtures, "golden/" + id + "_" + head + ".bin");
                    goldenOutputs.put(head, theirs);
                    for (int i = 0; i < mine.length; i++) {
                        int d = Math.abs(mine[i] - theirs[i]);
                        differing += d > 0 ? 1 : 0;
                        maxDiff = Math.max(maxDiff, d);
                    }
                    total += mine.length;
                }
                Log.i(TAG, String.format(Locale.ROOT, "image %d: %d people (Python %d), %d of %d output values differ (max %d), "
                        + "pre %.1f ms, inference %.1f ms, decode %.1f ms", id, people, want.size(), differing, total, maxDiff,
                        estimator.preprocessNanos / 1e6, estimator.inferenceNanos / 1e6, estimator.decodeNanos / 1e6));
                assertTrue("image " + id + ": " + differing + " of " + total + " output values differ", differing <= total / 100);
                assertTrue("image " + id + ": an output differs by " + maxDiff, maxDiff <= 3);
                if (differing == 0) { // same tensors: the decode must be Python's
                    assertSamePeople("image " + id, want, got.people);
                } else {
                    assertTrue("image " + id + ": " + people + " people, Python " + want.size(), Math.abs(people - want.size()) <= 1);
                }
                // and the decoder on this device's runtime, on the golden tensors themselves
                Decoder.Result ref = reference.decode(Heads.fromOutputs(goldenOutputs, meta), DecoderConfig.from(meta));
                assertSamePeople("image " + id + " (golden tensors)", want, ref.people);
            }
        }
    }

    @Test
    public void gpuFailureLeavesTheCpuUsable() throws Exception {
        Context app = InstrumentationRegistry.getInstrumentation().getTargetContext();
        ModelCatalog catalog = new ModelCatalog(app.getAssets().list(""));
        String size = catalog.sizes().get(0);
        try (PoseEstimator gpu = new PoseEstimator(app, catalog.pick(Backend.GPU, size), Backend.GPU, 1)) {
            Log.i(TAG, "GPU delegate runs the " + gpu.model.variant + " model at " + size);
        } catch (Throwable err) {
            Log.i(TAG, "GPU delegate unavailable, as the app reports: " + err);
        }
        try (PoseEstimator cpu = new PoseEstimator(app, catalog.pick(Backend.CPU, size), Backend.CPU, 2)) {
            assertTrue(cpu.metadata.inputH > 0);
        }
    }
}
