package org.personlab.mobile.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The artifacts shipped in the app's assets, by name (personlab_<backbone>[_s<stride>]_<H>x<W>_<variant>.tflite,
 * the stride named when it is not the default): which input sizes there are ("HxW", "HxW s8") and which
 * file a backend runs at a size (its variant, see {@link Backend#variant}).
 */
public final class ModelCatalog {
    private static final Pattern NAME = Pattern.compile("personlab_(.+?)(?:_s(\\d+))?_(\\d+)x(\\d+)_([a-z0-9_]+)\\.tflite");

    /** One artifact file. */
    public static final class Model {
        public final String file;
        public final String backbone;
        public final int inputH;
        public final int inputW;
        public final String variant;
        public final String strideTag; // "" for the default stride, else e.g. "s8"

        Model(String file, String backbone, String strideTag, int inputH, int inputW, String variant) {
            this.file = file;
            this.backbone = backbone;
            this.strideTag = strideTag;
            this.inputH = inputH;
            this.inputW = inputW;
            this.variant = variant;
        }

        /** "HxW", or "HxW s8" for another output stride. */
        public String size() {
            return inputH + "x" + inputW + (strideTag.isEmpty() ? "" : " " + strideTag);
        }
    }

    private final List<Model> models = new ArrayList<>();

    /** From the asset file names (others are ignored). */
    public ModelCatalog(String[] files) {
        for (String f : files) {
            Matcher m = NAME.matcher(f);
            if (m.matches()) {
                models.add(new Model(f, m.group(1), m.group(2) == null ? "" : "s" + m.group(2), Integer.parseInt(m.group(3)),
                        Integer.parseInt(m.group(4)), m.group(5)));
            }
        }
    }

    /** The input sizes ("HxW") some model ships at, sorted. */
    public List<String> sizes() {
        List<String> out = new ArrayList<>();
        for (Model m : models) {
            if (!out.contains(m.size())) {
                out.add(m.size());
            }
        }
        Collections.sort(out);
        return out;
    }

    /** The model a backend runs at a size; MetadataException naming what to ship when there is none. */
    public Model pick(Backend backend, String size) {
        for (Model m : models) {
            if (m.size().equals(size) && m.variant.equals(backend.variant)) {
                return m;
            }
        }
        throw new MetadataException(String.format(Locale.ROOT,
                "no %s model at %s in the assets (the %s backend runs the %s variant): run `make android-assets`",
                backend.variant, size, backend.label, backend.variant));
    }
}
