package org.personlab.mobile.demo;

import android.content.Context;
import android.content.res.AssetFileDescriptor;
import android.graphics.Rect;
import androidx.camera.core.ImageProxy;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.personlab.mobile.core.Backend;
import org.personlab.mobile.core.Decoder;
import org.personlab.mobile.core.DecoderConfig;
import org.personlab.mobile.core.FrameConverter;
import org.personlab.mobile.core.FrameGeometry;
import org.personlab.mobile.core.Heads;
import org.personlab.mobile.core.Letterbox;
import org.personlab.mobile.core.Metadata;
import org.personlab.mobile.core.ModelCatalog;
import org.personlab.mobile.core.ModelCheck;
import org.personlab.mobile.core.TensorInfo;
import org.personlab.mobile.core.TfliteMetadata;
import org.tensorflow.lite.DataType;
import org.tensorflow.lite.Delegate;
import org.tensorflow.lite.Interpreter;
import org.tensorflow.lite.Tensor;
import org.tensorflow.lite.gpu.CompatibilityList;
import org.tensorflow.lite.gpu.GpuDelegate;
import org.tensorflow.lite.nnapi.NnApiDelegate;

/**
 * One model on one backend: the LiteRT interpreter over a memory-mapped asset, its embedded metadata
 * (checked against the interpreter's tensors), and every per-frame buffer (frame planes, model input,
 * outputs, decoder), so a frame allocates nothing. The app path the instrumented test runs too.
 * Not thread-safe: the analyzer thread owns it.
 */
final class PoseEstimator implements Closeable {
    final ModelCatalog.Model model;
    final Backend backend;
    final int threads;
    final Metadata metadata;
    final DecoderConfig config;
    private final Interpreter interpreter;
    private final Delegate delegate; // null on the CPU
    private final String signature;
    private final String inputName;
    private final boolean floatInput;
    private final ByteBuffer input;
    private final float[] inputFloats;
    private final FloatBuffer inputFloatView;
    private final Map<String, Object> inputs = new HashMap<>();
    private final Map<String, Object> outputBuffers = new HashMap<>();
    private final Map<String, Object> outputArrays = new HashMap<>();
    private final Map<String, FloatBuffer> floatViews = new HashMap<>();
    private final Heads heads; // over outputArrays, filled in place every frame
    private final Decoder decoder;
    final FrameConverter converter;
    private byte[] planeY = new byte[0];
    private byte[] planeU = new byte[0];
    private byte[] planeV = new byte[0];
    private FrameGeometry geometry; // the last frame's: rebuilt only when the camera's crop or rotation changes
    long preprocessNanos;
    long inferenceNanos;
    long decodeNanos;

    /** Opens {@code model} on {@code backend}; on any failure closes what it opened and rethrows. */
    PoseEstimator(Context context, ModelCatalog.Model model, Backend backend, int threads) throws IOException {
        this.model = model;
        this.backend = backend;
        this.threads = threads;
        MappedByteBuffer bytes = mapAsset(context, model.file);
        metadata = Metadata.parse(TfliteMetadata.readText(bytes, TfliteMetadata.PERSONLAB));
        config = DecoderConfig.from(metadata);
        Delegate opened = null;
        Interpreter created = null;
        String key;
        String in;
        try {
            Interpreter.Options options = new Interpreter.Options();
            opened = openDelegate(backend);
            if (opened != null) {
                options.addDelegate(opened);
            }
            if (backend.usesThreads()) {
                options.setNumThreads(threads);
            }
            options.setUseXNNPACK(backend == Backend.CPU);
            created = new Interpreter(bytes, options);
            key = created.getSignatureKeys()[0];
            in = created.getSignatureInputs(key)[0];
            Map<String, TensorInfo> outs = new LinkedHashMap<>();
            for (String name : created.getSignatureOutputs(key)) {
                outs.put(name, info(created.getOutputTensorFromSignature(name, key)));
            }
            ModelCheck.check(metadata, info(created.getInputTensorFromSignature(in, key)), outs);
        } catch (Throwable err) { // NoClassDefFoundError / UnsatisfiedLinkError from delegates included
            if (created != null) {
                created.close();
            }
            closeDelegate(opened);
            throw err;
        }
        interpreter = created;
        delegate = opened;
        signature = key;
        inputName = in;
        floatInput = metadata.inputDtype != null && metadata.inputDtype.startsWith("float");
        int ih = metadata.inputH;
        int iw = metadata.inputW;
        converter = new FrameConverter(ih, iw);
        input = ByteBuffer.allocateDirect(ih * iw * 3 * (floatInput ? 4 : 1)).order(ByteOrder.nativeOrder());
        inputFloats = floatInput ? new float[ih * iw * 3] : null;
        inputFloatView = floatInput ? input.asFloatBuffer() : null;
        inputs.put(inputName, input);
        for (Metadata.HeadInfo head : metadata.heads.values()) {
            boolean isFloat = "float32".equals(head.dtype);
            ByteBuffer buf = ByteBuffer.allocateDirect(head.size() * (isFloat ? 4 : 1)).order(ByteOrder.nativeOrder());
            outputBuffers.put(head.name, buf);
            outputArrays.put(head.name, isFloat ? new float[head.size()] : new byte[head.size()]);
            if (isFloat) {
                floatViews.put(head.name, buf.asFloatBuffer());
            }
        }
        heads = Heads.fromOutputs(outputArrays, metadata);
        decoder = new Decoder(metadata);
    }

    private Delegate openDelegate(Backend backend) {
        switch (backend) {
            case GPU:
                CompatibilityList compatibility = new CompatibilityList();
                try {
                    if (!compatibility.isDelegateSupportedOnThisDevice()) {
                        throw new IllegalStateException("this device's GPU is not supported by the LiteRT GPU delegate");
                    }
                    return new GpuDelegate(compatibility.getBestOptionsForThisDevice());
                } finally {
                    compatibility.close();
                }
            case NNAPI:
                return new NnApiDelegate();
            default:
                return null;
        }
    }

    private static void closeDelegate(Delegate d) {
        if (d instanceof GpuDelegate) {
            ((GpuDelegate) d).close();
        } else if (d instanceof NnApiDelegate) {
            ((NnApiDelegate) d).close();
        }
    }

    private static TensorInfo info(Tensor t) {
        return new TensorInfo(t.name(), t.shape(), dtype(t.dataType()), t.quantizationParams().getScale(),
                t.quantizationParams().getZeroPoint());
    }

    private static String dtype(DataType t) {
        switch (t) {
            case FLOAT32:
                return "float32";
            case UINT8:
                return "uint8";
            case INT8:
                return "int8";
            default:
                return t.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A camera frame (YUV_420_888) -> people; the geometry says which crop is shown and how it turns upright. */
    Decoder.Result process(ImageProxy image) {
        long t0 = System.nanoTime();
        ImageProxy.PlaneProxy[] planes = image.getPlanes();
        planeY = copy(planes[0].getBuffer(), planeY);
        planeU = copy(planes[1].getBuffer(), planeU);
        planeV = copy(planes[2].getBuffer(), planeV);
        Rect crop = image.getCropRect();
        int rotation = image.getImageInfo().getRotationDegrees();
        if (geometry == null || !geometry.is(image.getWidth(), image.getHeight(), crop.left, crop.top, crop.width(), crop.height(), rotation)) {
            geometry = new FrameGeometry(image.getWidth(), image.getHeight(), crop.left, crop.top, crop.width(), crop.height(), rotation);
        }
        converter.convertYuv(planeY, planes[0].getRowStride(), planes[0].getPixelStride(), planeU, planeV,
                planes[1].getRowStride(), planes[1].getPixelStride(), geometry);
        return run(t0);
    }

    /** An upright RGBA frame (the instrumented test's golden images). */
    Decoder.Result processRgba(byte[] rgba, int width, int height) {
        long t0 = System.nanoTime();
        converter.convertRgba(rgba, 4 * width, 4, FrameGeometry.full(width, height, 0));
        return run(t0);
    }

    private Decoder.Result run(long t0) {
        input.rewind();
        if (floatInput) {
            converter.toFloats(inputFloats);
            inputFloatView.rewind();
            inputFloatView.put(inputFloats);
        } else {
            input.put(converter.rgb());
        }
        input.rewind();
        for (Object b : outputBuffers.values()) {
            ((ByteBuffer) b).rewind();
        }
        long t1 = System.nanoTime();
        interpreter.runSignature(inputs, outputBuffers, signature);
        long t2 = System.nanoTime();
        for (Map.Entry<String, Object> e : outputBuffers.entrySet()) {
            ByteBuffer buf = (ByteBuffer) e.getValue();
            buf.rewind();
            Object array = outputArrays.get(e.getKey());
            if (array instanceof byte[]) {
                buf.get((byte[]) array);
            } else {
                FloatBuffer view = floatViews.get(e.getKey());
                view.rewind();
                view.get((float[]) array);
            }
        }
        Decoder.Result result = decoder.decode(heads, config);
        long t3 = System.nanoTime();
        preprocessNanos = t1 - t0;
        inferenceNanos = t2 - t1;
        decodeNanos = t3 - t2;
        return result;
    }

    /** The raw output tensor of a head after the last frame (the instrumented test compares them). */
    Object rawOutput(String head) {
        return outputArrays.get(head);
    }

    Letterbox letterbox() {
        return converter.letterbox();
    }

    /** The last camera frame's geometry (null before the first). */
    FrameGeometry geometry() {
        return geometry;
    }

    private static byte[] copy(ByteBuffer from, byte[] into) {
        from.rewind();
        int n = from.remaining();
        byte[] out = into.length >= n ? into : new byte[n]; // grows on the first frames only
        from.get(out, 0, n);
        return out;
    }

    @Override
    public void close() {
        interpreter.close();
        closeDelegate(delegate);
    }

    private static MappedByteBuffer mapAsset(Context context, String name) throws IOException {
        try (AssetFileDescriptor fd = context.getAssets().openFd(name);
                FileInputStream in = new FileInputStream(fd.getFileDescriptor())) {
            return in.getChannel().map(FileChannel.MapMode.READ_ONLY, fd.getStartOffset(), fd.getDeclaredLength());
        } catch (IOException err) {
            throw new IOException("asset " + name + " missing or compressed: run `make android-assets` in the repo root", err);
        }
    }
}
