package org.personlab.mobile.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the model runs, which artifact variant it wants, and on which Android versions it is offered.
 * NNAPI is deprecated from Android 15 (API 35) and unreliable before Android 8.1 (API 27): offered on
 * 27..34 only, labelled legacy.
 */
public enum Backend {
    CPU("CPU (XNNPACK)", "full_int8"), // XNNPACK's integer kernels
    GPU("GPU delegate", "float16"), // the GPU delegate runs float models
    NNAPI("NNAPI (legacy)", "full_int8"); // NPU / DSP drivers want full-integer models

    static final int NNAPI_FIRST_API = 27;
    static final int NNAPI_LAST_API = 34;

    public final String label;
    public final String variant;

    Backend(String label, String variant) {
        this.label = label;
        this.variant = variant;
    }

    /** The backends to offer on Android API level {@code sdkInt}, CPU first. */
    public static List<Backend> offered(int sdkInt) {
        List<Backend> out = new ArrayList<>();
        out.add(CPU);
        out.add(GPU);
        if (sdkInt >= NNAPI_FIRST_API && sdkInt <= NNAPI_LAST_API) {
            out.add(NNAPI);
        }
        return out;
    }

    /** Whether CPU threads apply (the GPU delegate runs the whole graph itself). */
    public boolean usesThreads() {
        return this != GPU;
    }
}
