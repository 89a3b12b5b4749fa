package org.personlab.mobile.core;

import java.util.Collections;
import java.util.List;

/**
 * The on-device decoder, an exact port of the Python package mobile_decoder: raw outputs + metadata
 * ({@link Heads}) -> people in model-input pixels (strongest first) and per-person instance labels on
 * the mask grid (cell (i, j) at input pixel maskStride * (i, j)). Same order of operations, doubles
 * where NumPy uses float64, floats where it uses float32.
 *
 * One instance per model and thread: it owns every buffer (sized from the metadata, grown on the first
 * frames), so after warm-up a decode allocates nothing. The {@link Result} and its people are reused:
 * they hold until the next decode.
 */
public final class Decoder {
    /** Decoded people and the (maskH, maskW) mask-grid labels (person index, -1 nobody), row-major. */
    public static final class Result {
        public final List<Person> people;
        public int[] labels;
        public int maskH;
        public int maskW;
        public int maskStride;

        Result(List<Person> people) {
            this.people = Collections.unmodifiableList(people);
        }
    }

    private final int inputH;
    private final int inputW;
    private final int gh;
    private final int gw;
    private final Votes votes;
    private final PeakFinder peaks;
    private final Grouping grouping;
    private final MaskLabels masks;
    private final Result result;

    public Decoder(Metadata meta) {
        Metadata.HeadInfo heatmaps = meta.heads.get("heatmaps");
        if (heatmaps == null || heatmaps.shape.length != 4) {
            throw new MetadataException("metadata has no (1, gh, gw, C) heatmaps head");
        }
        inputH = meta.inputH;
        inputW = meta.inputW;
        gh = heatmaps.shape[1];
        gw = heatmaps.shape[2];
        int k = meta.numKeypoints();
        int nodes = gh * gw;
        LongRange longRange = new LongRange(k);
        votes = new Votes(k, nodes, inputH, inputW);
        peaks = new PeakFinder(k, nodes);
        grouping = new Grouping(k, meta.directedEdges, longRange);
        masks = new MaskLabels(k, gh, gw, longRange);
        result = new Result(grouping.people);
    }

    /** mobile_decoder.decode. Heads must come from this decoder's model (same input size and grid). */
    public Result decode(Heads heads, DecoderConfig cfg) {
        if (heads.inputH != inputH || heads.inputW != inputW || heads.gh != gh || heads.gw != gw) {
            throw new IllegalArgumentException("heads of a " + heads.inputW + "x" + heads.inputH + " model (grid "
                    + heads.gw + "x" + heads.gh + ") given to the decoder of a " + inputW + "x" + inputH + " one");
        }
        votes.fill(heads, cfg);
        peaks.find(votes, inputH, inputW, cfg);
        grouping.group(heads, votes, peaks, cfg);
        result.labels = masks.label(heads, grouping.people, cfg);
        result.maskH = masks.mh;
        result.maskW = masks.mw;
        result.maskStride = cfg.maskStride;
        return result;
    }
}
