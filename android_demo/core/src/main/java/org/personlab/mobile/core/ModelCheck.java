package org.personlab.mobile.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The metadata against the interpreter's own tensors: the input (1, H, W, 3) of the metadata's size and
 * dtype, and per head an output of the metadata's shape, dtype, scale and zero point. One
 * MetadataException listing every mismatch, so the app can say once what is wrong instead of
 * decoding garbage.
 */
public final class ModelCheck {
    private static final double SCALE_TOLERANCE = 1e-6; // relative: the JSON keeps float32 scales as doubles

    private ModelCheck() {
    }

    /** {@code outputs}: the interpreter's output tensors by head name (the signature's output names). */
    public static void check(Metadata meta, TensorInfo input, Map<String, TensorInfo> outputs) {
        List<String> problems = new ArrayList<>();
        int[] wantInput = {1, meta.inputH, meta.inputW, 3};
        if (!Arrays.equals(input.shape, wantInput)) {
            problems.add("input " + Arrays.toString(input.shape) + ", the metadata says " + Arrays.toString(wantInput));
        }
        if (meta.inputDtype != null && !meta.inputDtype.equals(input.dtype)) {
            problems.add("input dtype " + input.dtype + ", the metadata says " + meta.inputDtype);
        }
        for (Metadata.HeadInfo head : meta.heads.values()) {
            TensorInfo t = outputs.get(head.name);
            if (t == null) {
                problems.add("no output '" + head.name + "' (outputs " + outputs.keySet() + ")");
                continue;
            }
            if (!Arrays.equals(t.shape, head.shape)) {
                problems.add(head.name + " shape " + Arrays.toString(t.shape) + ", the metadata says " + Arrays.toString(head.shape));
            }
            if (!head.dtype.equals(t.dtype)) {
                problems.add(head.name + " dtype " + t.dtype + ", the metadata says " + head.dtype);
            }
            boolean quantized = head.scale != 0.0;
            if (quantized && (Math.abs(t.scale - head.scale) > SCALE_TOLERANCE * Math.abs(head.scale) || t.zeroPoint != head.zeroPoint)) {
                problems.add(head.name + " quantization (" + t.scale + ", " + t.zeroPoint + "), the metadata says ("
                        + head.scale + ", " + head.zeroPoint + ")");
            }
        }
        if (!problems.isEmpty()) {
            throw new MetadataException("the model does not match its metadata: " + String.join("; ", problems));
        }
    }
}
