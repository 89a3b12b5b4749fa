package org.personlab.mobile.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The artifact metadata JSON written beside each .tflite and embedded in it (metadata_version 2): the
 * fields the decoder and the app read, the head spec (channels, kind and group of each head, stride,
 * skeleton, OKS sigmas) and the decoder defaults included. Parsing checks the version and the
 * presence and types of those fields ({@link MetadataException}); {@link Heads#fromOutputs} checks the
 * tensors against it.
 */
public final class Metadata {
    public static final int VERSION = 2;
    public static final String POSE = "pose"; // head groups: pose heads are required,
    public static final String MASK = "mask"; // mask heads come all together or not at all

    /** What the spec says about one head. */
    public static final class SpecHead {
        public final String name;
        public final int channels;
        public final String kind;
        public final String group;

        SpecHead(String name, int channels, String kind, String group) {
            this.name = name;
            this.channels = channels;
            this.kind = kind;
            this.group = group;
        }
    }

    /** How one output head is stored. */
    public static final class HeadInfo {
        public final String name;
        public final int[] shape; // (1, gh, gw, C_raw)
        public final String dtype; // "int8", "uint8" or "float32"
        public final double scale; // 0: a float tensor
        public final int zeroPoint;
        public final int[] order; // raw channel of each of our channels
        public final String kind; // probability | logit | offset
        public final String tensorName; // the interpreter's output name, may be null

        HeadInfo(String name, int[] shape, String dtype, double scale, int zeroPoint, int[] order, String kind, String tensorName) {
            this.name = name;
            this.shape = shape;
            this.dtype = dtype;
            this.scale = scale;
            this.zeroPoint = zeroPoint;
            this.order = order;
            this.kind = kind;
            this.tensorName = tensorName;
        }

        /** Number of values the tensor holds, by the metadata shape. */
        public int size() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return (int) n;
        }
    }

    public final int version;
    public final String variant; // may be null
    public final int stride;
    public final int inputH;
    public final int inputW;
    public final String inputDtype; // may be null
    public final Map<String, HeadInfo> heads; // in file order
    public final Map<String, SpecHead> specHeads; // in spec order
    public final Map<String, Object> decoder; // the decoder defaults, snake_case as in the JSON
    public final double[] oksSigmas;
    public final double diskRadius;
    public final int[][] directedEdges;
    public final int[][] edges; // undirected skeleton, for drawing (may be empty)
    public final List<String> keypoints;
    public final Map<String, Object> json; // everything, as parsed

    private Metadata(Map<String, Object> root) {
        Object v = root.get("metadata_version");
        if (!(v instanceof Number) || ((Number) v).doubleValue() != VERSION) {
            throw new MetadataException("metadata version " + v + ", this decoder reads version " + VERSION);
        }
        version = VERSION;
        json = root;
        try {
            variant = root.get("variant") instanceof String ? (String) root.get("variant") : null;
            int[] size = Json.ints(root.get("input_size"), "input_size");
            if (size.length < 2) {
                throw new IllegalArgumentException("input_size has " + size.length + " values");
            }
            inputH = size[0];
            inputW = size[1];
            Object input = root.get("input");
            inputDtype = input instanceof Map ? (String) Json.object(input, "input").get("dtype") : null;
            Map<String, Object> spec = Json.object(root.get("spec"), "spec");
            stride = Json.integer(spec.get("stride"), "spec.stride");
            Map<String, SpecHead> sh = new LinkedHashMap<>();
            for (Object o : Json.array(spec.get("heads"), "spec.heads")) {
                Map<String, Object> h = Json.object(o, "spec.heads[]");
                String name = (String) h.get("name");
                String group = (String) h.get("group");
                if (name == null || !(POSE.equals(group) || MASK.equals(group))) {
                    throw new IllegalArgumentException("spec.heads: head " + name + " has group " + group + ", need pose or mask");
                }
                sh.put(name, new SpecHead(name, Json.integer(h.get("channels"), "spec.heads." + name + ".channels"),
                        String.valueOf(h.get("kind")), group));
            }
            specHeads = Collections.unmodifiableMap(sh);
            decoder = Collections.unmodifiableMap(Json.object(root.get("decoder"), "decoder"));
            oksSigmas = Json.doubles(spec.get("oks_sigmas"), "spec.oks_sigmas");
            diskRadius = Json.number(spec.get("disk_radius"), "spec.disk_radius");
            directedEdges = pairs(spec.get("directed_edges"), "spec.directed_edges");
            edges = spec.containsKey("edges") ? pairs(spec.get("edges"), "spec.edges") : new int[0][];
            List<String> names = new ArrayList<>();
            if (spec.get("keypoints") instanceof List) {
                for (Object o : Json.array(spec.get("keypoints"), "spec.keypoints")) {
                    names.add(String.valueOf(o));
                }
            }
            keypoints = Collections.unmodifiableList(names);
            Map<String, HeadInfo> hs = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : Json.object(root.get("heads"), "heads").entrySet()) {
                hs.put(e.getKey(), head(e.getKey(), Json.object(e.getValue(), "heads." + e.getKey())));
            }
            heads = Collections.unmodifiableMap(hs);
        } catch (IllegalArgumentException | ClassCastException | NullPointerException err) {
            if (err instanceof MetadataException) {
                throw (MetadataException) err;
            }
            throw new MetadataException("metadata lacks a field the decoder needs: " + err.getMessage(), err);
        }
    }

    private static HeadInfo head(String name, Map<String, Object> m) {
        int[] shape = Json.ints(m.get("shape"), "heads." + name + ".shape");
        String dtype = (String) m.get("dtype");
        if (dtype == null) {
            throw new IllegalArgumentException("heads." + name + ".dtype missing");
        }
        double scale = m.get("scale") == null ? 0.0 : Json.number(m.get("scale"), "heads." + name + ".scale");
        int zp = m.get("zero_point") == null ? 0 : Json.integer(m.get("zero_point"), "heads." + name + ".zero_point");
        int[] order;
        if (m.get("order") != null) {
            order = Json.ints(m.get("order"), "heads." + name + ".order");
        } else {
            order = new int[shape.length == 4 ? shape[3] : 0];
            for (int c = 0; c < order.length; c++) {
                order[c] = c;
            }
        }
        String kind = m.get("kind") == null ? "offset" : (String) m.get("kind");
        String tensorName = m.get("name") instanceof String ? (String) m.get("name") : null;
        return new HeadInfo(name, shape, dtype, scale, zp, order, kind, tensorName);
    }

    private static int[][] pairs(Object v, String what) {
        List<Object> a = Json.array(v, what);
        int[][] out = new int[a.size()][];
        for (int k = 0; k < out.length; k++) {
            out[k] = Json.ints(a.get(k), what + "[" + k + "]");
            if (out[k].length != 2) {
                throw new IllegalArgumentException(what + "[" + k + "] is not a pair");
            }
        }
        return out;
    }

    /** Parses and checks the metadata JSON text (MetadataException: wrong version, missing fields, bad JSON). */
    public static Metadata parse(String jsonText) {
        Object root;
        try {
            root = Json.parse(jsonText);
        } catch (Json.JsonException err) {
            throw new MetadataException("metadata is not valid JSON: " + err.getMessage(), err);
        }
        if (!(root instanceof Map)) {
            throw new MetadataException("metadata is not a JSON object");
        }
        return new Metadata(Json.object(root, "metadata"));
    }

    public int numKeypoints() {
        return oksSigmas.length;
    }
}
