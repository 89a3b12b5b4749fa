package org.personlab.mobile.demo;

import android.content.Context;
import android.content.res.AssetFileDescriptor;
import android.graphics.Bitmap;
import android.graphics.Canvas;
import android.graphics.Color;
import android.graphics.Matrix;
import android.graphics.Paint;
import android.os.SystemClock;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.personlab.mobile.core.Decoder;
import org.personlab.mobile.core.Heads;
import org.personlab.mobile.core.Letterbox;
import org.personlab.mobile.core.Metadata;
import org.tensorflow.lite.Interpreter;
import org.tensorflow.lite.gpu.GpuDelegate;
import org.tensorflow.lite.nnapi.NnApiDelegate;

/**
 * The model side of the app: one LiteRT Interpreter over an artifact from assets, its metadata, the
 * letterboxed input buffer and the raw output buffers. Decoding is the core module's (the app is a shell).
 * Not thread-safe: one analyzer thread uses it.
 */
final class PoseEstimator implements Closeable {
    /** Which accelerator runs the model, and which artifact it gets. */
    enum Backend {
        CPU("personlab_mobilenet_v1_075_513x513_full_int8"), // XNNPACK, int8 kernels
        NNAPI("personlab_mobilenet_v1_075_513x513_full_int8"), // NPU/DSP drivers want full-integer models
        GPU("personlab_mobilenet_v1_075_513x513_float16"); // the GPU delegate runs float models

        final String model;

        Backend(String model) {
            this.model = model;
        }
    }

    /** One frame's output. */
    static final class Frame {
        final Decoder.Result result;
        final Letterbox letterbox; // rotated camera frame -> model input
        final int imageW;
        final int imageH;
        final long inferenceMs;
        final long decodeMs;

        Frame(Decoder.Result result, Letterbox letterbox, int imageW, int imageH, long inferenceMs, long decodeMs) {
            this.result = result;
            this.letterbox = letterbox;
            this.imageW = imageW;
            this.imageH = imageH;
            this.inferenceMs = inferenceMs;
            this.decodeMs = decodeMs;
        }
    }

    final Backend backend;
    final int threads;
    final Metadata metadata;
    private final Interpreter interpreter;
    private final GpuDelegate gpu;
    private final NnApiDelegate nnapi;
    private final String signature;
    private final String inputName;
    private final boolean floatInput;
    private final ByteBuffer input;
    private final Map<String, ByteBuffer> outputBuffers = new HashMap<>();
    private final Map<String, Object> outputArrays = new HashMap<>();
    private final Bitmap letterboxed;
    private final Canvas canvas;
    private final Paint paint = new Paint(Paint.FILTER_BITMAP_FLAG);
    private final int[] pixels;

    PoseEstimator(Context context, Backend backend, int threads) throws IOException {
        this.backend = backend;
        this.threads = threads;
        metadata = Metadata.parse(readAsset(context, backend.model + ".json"));
        Interpreter.Options options = new Interpreter.Options();
        GpuDelegate gpuDelegate = null;
        NnApiDelegate nnapiDelegate = null;
        switch (backend) {
            case GPU:
                gpuDelegate = new GpuDelegate();
                options.addDelegate(gpuDelegate);
                break;
            case NNAPI:
                nnapiDelegate = new NnApiDelegate();
                options.addDelegate(nnapiDelegate);
                options.setNumThreads(threads); // ops NNAPI rejects fall back to the CPU
                break;
            default:
                options.setUseXNNPACK(true);
                options.setNumThreads(threads);
        }
        gpu = gpuDelegate;
        nnapi = nnapiDelegate;
        interpreter = new Interpreter(mapAsset(context, backend.model + ".tflite"), options);
        signature = interpreter.getSignatureKeys()[0];
        inputName = interpreter.getSignatureInputs(signature)[0];
        String inputDtype = metadata.inputDtype == null ? "uint8" : metadata.inputDtype;
        floatInput = inputDtype.startsWith("float");
        int ih = metadata.inputH;
        int iw = metadata.inputW;
        input = ByteBuffer.allocateDirect(ih * iw * 3 * (floatInput ? 4 : 1)).order(ByteOrder.nativeOrder());
        for (Metadata.HeadInfo head : metadata.heads.values()) {
            boolean isFloat = "float32".equals(head.dtype);
            outputBuffers.put(head.name, ByteBuffer.allocateDirect(head.size() * (isFloat ? 4 : 1)).order(ByteOrder.nativeOrder()));
            outputArrays.put(head.name, isFloat ? new float[head.size()] : new byte[head.size()]);
        }
        letterboxed = Bitmap.createBitmap(iw, ih, Bitmap.Config.ARGB_8888);
        canvas = new Canvas(letterboxed);
        pixels = new int[iw * ih];
    }

    /** Letterbox an upright RGB(A) camera frame into the input, run the model, decode. */
    Frame process(Bitmap upright) {
        int ih = metadata.inputH;
        int iw = metadata.inputW;
        Letterbox lb = Letterbox.fit(upright.getHeight(), upright.getWidth(), ih, iw);
        canvas.drawColor(Color.BLACK); // the artifacts' letterbox pads with black
        Matrix m = new Matrix();
        m.setScale((float) lb.scale, (float) lb.scale);
        m.postTranslate((float) lb.tx, (float) lb.ty);
        canvas.drawBitmap(upright, m, paint);
        letterboxed.getPixels(pixels, 0, iw, 0, 0, iw, ih);
        input.rewind();
        for (int p : pixels) {
            int r = (p >> 16) & 0xFF;
            int g = (p >> 8) & 0xFF;
            int b = p & 0xFF;
            if (floatInput) { // float artifacts take 0..255 as float32
                input.putFloat(r).putFloat(g).putFloat(b);
            } else {
                input.put((byte) r).put((byte) g).put((byte) b);
            }
        }
        input.rewind();
        Map<String, Object> inputs = new HashMap<>();
        inputs.put(inputName, input);
        Map<String, Object> outputs = new HashMap<>();
        for (Map.Entry<String, ByteBuffer> e : outputBuffers.entrySet()) {
            e.getValue().rewind();
            outputs.put(e.getKey(), e.getValue()); // signature outputs are named after the heads
        }
        long t0 = SystemClock.elapsedRealtime();
        interpreter.runSignature(inputs, outputs, signature);
        long t1 = SystemClock.elapsedRealtime();
        for (Map.Entry<String, ByteBuffer> e : outputBuffers.entrySet()) {
            ByteBuffer buf = e.getValue();
            buf.rewind();
            Object array = outputArrays.get(e.getKey());
            if (array instanceof byte[]) {
                buf.get((byte[]) array);
            } else {
                buf.asFloatBuffer().get((float[]) array);
            }
        }
        Decoder.Result result = Decoder.decode(Heads.fromOutputs(outputArrays, metadata));
        long t2 = SystemClock.elapsedRealtime();
        return new Frame(result, lb, upright.getWidth(), upright.getHeight(), t1 - t0, t2 - t1);
    }

    @Override
    public void close() {
        interpreter.close();
        if (gpu != null) {
            gpu.close();
        }
        if (nnapi != null) {
            nnapi.close();
        }
    }

    private static String readAsset(Context context, String name) throws IOException {
        try (InputStream in = context.getAssets().open(name)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            return new String(out.toByteArray(), StandardCharsets.UTF_8);
        } catch (IOException err) {
            throw new IOException("asset " + name + " missing: run `make android-assets` in the repo root", err);
        }
    }

    private static MappedByteBuffer mapAsset(Context context, String name) throws IOException {
        try (AssetFileDescriptor fd = context.getAssets().openFd(name);
                FileInputStream in = new FileInputStream(fd.getFileDescriptor())) {
            return in.getChannel().map(FileChannel.MapMode.READ_ONLY, fd.getStartOffset(), fd.getDeclaredLength());
        }
    }
}
