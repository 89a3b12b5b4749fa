package org.personlab.mobile.core;

import java.util.Arrays;

/** What the interpreter says about one tensor (shape, dtype as NumPy names it, quantization), for {@link ModelCheck}. */
public final class TensorInfo {
    public final String name;
    public final int[] shape;
    public final String dtype; // "uint8", "int8", "float32", ...
    public final double scale; // 0: not quantized
    public final int zeroPoint;

    public TensorInfo(String name, int[] shape, String dtype, double scale, int zeroPoint) {
        this.name = name;
        this.shape = shape.clone();
        this.dtype = dtype;
        this.scale = scale;
        this.zeroPoint = zeroPoint;
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(shape) + " " + dtype + (scale != 0 ? " scale " + scale + " zero point " + zeroPoint : "");
    }
}
