package org.personlab.mobile.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Stable ids and smoothed keypoints for the people of consecutive frames of one stream
 * (mobile_decoder/tracking.py's Tracker, step by step; TrackerParityTest checks them against each other).
 *
 * <p>Each frame the decoded people, strongest first, continue live tracks greedily: a person takes the
 * unclaimed track it resembles most, by OKS (the metadata's sigmas) over the keypoints confident in both,
 * or by box IoU when they share fewer than {@code minKeypoints}; under {@code minSimilarity} it starts a new
 * track. A new track is tentative (no id, not returned) until it has been matched in {@code minHits} frames in
 * a row, so that one-frame false detections never take an id; a tentative track ends at its first miss, a
 * confirmed one after {@code maxAgeS} unseen. The state is a fixed pool of {@code maxTracks} slots; after the
 * first frames with the most people, {@link #update} allocates nothing.
 *
 * <pre>
 * Tracker tracker = Tracker.from(metadata);
 * for each frame:  List&lt;Track&gt; tracks = tracker.update(result.people, frameTimeSeconds);
 *                  mask colour of label j: tracker.trackIdOf(j)   (-1: untracked)
 * </pre>
 */
public final class Tracker {
    private static final int FREE = -1;
    private static final int TENTATIVE = -2; // a live track without an id yet

    private final TrackerConfig cfg;
    private final int k;
    private final double[] tolerance; // (K,) OKS: exp(-d2 / (area * tolerance))
    private final int[] ids; // (M,) the track id, FREE or TENTATIVE
    private final int[] hits; // (M,) frames in a row a tentative track has been matched
    private final double[][] ty; // (M, K) raw keypoints of each track's last person
    private final double[][] tx;
    private final boolean[][] confident; // (M, K)
    private final double[][] box; // (M, 4) y0, x0, y1, x1
    private final double[] lastSeen;
    private final Track[] pool; // one reused Track per slot
    private final OneEuroFilter filter;
    private final ArrayList<Track> out;
    private final List<Track> outView;
    private int nextId;
    private double time; // of the last update

    // per-frame scratch, grown to the most people seen
    private int[] chosen = new int[0];
    private int[] slotOf = new int[0];
    private boolean[] fresh = new boolean[0]; // started a track this frame
    private int[] slotOfPerson = new int[0];
    private boolean[][] personConfident = new boolean[0][];
    private double[][] personBox = new double[0][];
    private final int[] live;
    private final boolean[] taken;
    private int people;

    public Tracker(TrackerConfig cfg, double[] oksSigmas) {
        this.cfg = cfg;
        this.k = oksSigmas.length;
        this.tolerance = new double[k];
        for (int j = 0; j < k; j++) {
            double s = 2.0 * oksSigmas[j];
            tolerance[j] = 2.0 * (s * s);
        }
        int m = cfg.maxTracks;
        ids = new int[m];
        hits = new int[m];
        ty = new double[m][k];
        tx = new double[m][k];
        confident = new boolean[m][k];
        box = new double[m][4];
        lastSeen = new double[m];
        pool = new Track[m];
        for (int s = 0; s < m; s++) {
            pool[s] = new Track(k);
        }
        live = new int[m];
        taken = new boolean[m];
        filter = new OneEuroFilter(m, k, cfg.minCutoffHz, cfg.beta, cfg.dCutoffHz);
        out = new ArrayList<>(m);
        outView = Collections.unmodifiableList(out);
        reset();
    }

    /** A tracker with the artifact's tracker settings and OKS sigmas. */
    public static Tracker from(Metadata meta) {
        return new Tracker(TrackerConfig.from(meta), meta.oksSigmas);
    }

    /** Forgets every track (a new stream); ids start again from 0. */
    public void reset() {
        Arrays.fill(ids, FREE);
        nextId = 0;
        time = Double.NEGATIVE_INFINITY;
        out.clear();
        people = 0;
    }

    /**
     * Tracks the people of the frame taken at {@code timeSeconds} (increasing). Returns the tracked people's
     * tracks in the order of {@code people} (a read-only view, valid until the next call); people scoring under
     * {@code minPersonScore} are not tracked, nor are the people of tentative tracks returned, and with more
     * people than free slots the weakest stay untracked.
     */
    public List<Track> update(List<Person> frame, double timeSeconds) {
        double t = timeSeconds;
        grow(frame.size());
        people = frame.size();
        for (int s = 0; s < ids.length; s++) {
            if ((ids[s] == TENTATIVE && lastSeen[s] < time) || (ids[s] != FREE && t - lastSeen[s] > cfg.maxAgeS)) {
                ids[s] = FREE;
            }
        }
        time = t;
        int n = 0;
        for (int i = 0; i < frame.size(); i++) {
            slotOfPerson[i] = FREE;
            if (frame.get(i).score >= cfg.minPersonScore) {
                // stable insertion by score, strongest first
                int at = n++;
                while (at > 0 && frame.get(chosen[at - 1]).score < frame.get(i).score) {
                    chosen[at] = chosen[at - 1];
                    at--;
                }
                chosen[at] = i;
            }
        }
        out.clear();
        if (n == 0) {
            return outView;
        }
        int nLive = 0;
        for (int s = 0; s < ids.length; s++) {
            if (ids[s] != FREE) {
                live[nLive++] = s;
            }
        }
        for (int j = 0; j < nLive; j++) {
            taken[j] = false;
        }
        for (int p = 0; p < n; p++) {
            Person person = frame.get(chosen[p]);
            boolean[] conf = personConfident[p];
            for (int j = 0; j < k; j++) {
                conf[j] = person.scores[j] > cfg.keypointFloor;
            }
            boxOf(person.y, person.x, conf, personBox[p]);
            slotOf[p] = FREE;
            fresh[p] = false;
            int best = FREE;
            double bestSim = cfg.minSimilarity;
            for (int j = 0; j < nLive; j++) {
                if (taken[j]) {
                    continue;
                }
                double s = similarity(person, conf, personBox[p], live[j]);
                if (s >= bestSim && (best == FREE || s > bestSim)) {
                    best = j;
                    bestSim = s;
                }
            }
            if (best != FREE) {
                taken[best] = true;
                slotOf[p] = live[best];
                lastSeen[live[best]] = t; // not to be given away below
            }
        }
        for (int p = 0; p < n; p++) {
            if (slotOf[p] != FREE) {
                continue;
            }
            int slot = freeSlot(t);
            if (slot == FREE) {
                break;
            }
            slotOf[p] = slot;
            fresh[p] = true;
            ids[slot] = TENTATIVE;
            hits[slot] = 0;
            lastSeen[slot] = t;
        }
        for (int p = 0; p < n; p++) {
            if (slotOf[p] == FREE) {
                continue;
            }
            int slot = slotOf[p];
            if (ids[slot] == TENTATIVE && ++hits[slot] >= cfg.minHits) {
                ids[slot] = nextId++; // strongest first: the order ids are handed out in
            }
            Person person = frame.get(chosen[p]);
            Track track = pool[slot];
            if (fresh[p]) {
                filter.start(slot, person.y, person.x, t);
            }
            if (!fresh[p] && cfg.smoothing) {
                filter.step(slot, person.y, person.x, person.scale, t, track.y, track.x);
            } else {
                System.arraycopy(person.y, 0, track.y, 0, k);
                System.arraycopy(person.x, 0, track.x, 0, k);
            }
            track.id = ids[slot];
            track.index = chosen[p];
            track.scale = person.scale;
            System.arraycopy(person.scores, 0, track.scores, 0, k);
            System.arraycopy(person.y, 0, ty[slot], 0, k);
            System.arraycopy(person.x, 0, tx[slot], 0, k);
            System.arraycopy(personConfident[p], 0, confident[slot], 0, k);
            System.arraycopy(personBox[p], 0, box[slot], 0, 4);
            if (ids[slot] != TENTATIVE) {
                slotOfPerson[chosen[p]] = slot;
            }
        }
        for (int i = 0; i < people; i++) {
            if (slotOfPerson[i] != FREE) {
                out.add(pool[slotOfPerson[i]]);
            }
        }
        return outView;
    }

    /** The track id of person {@code personIndex} of the last update (-1: untracked): mask labels to colours. */
    public int trackIdOf(int personIndex) {
        if (personIndex < 0 || personIndex >= people || slotOfPerson[personIndex] == FREE) {
            return FREE;
        }
        return ids[slotOfPerson[personIndex]];
    }

    /** OKS over the keypoints confident in both, or box IoU when they share fewer than minKeypoints. */
    private double similarity(Person person, boolean[] conf, double[] pbox, int slot) {
        double area = Math.max(person.scale, 1.0);
        area *= area;
        int shared = 0;
        double sum = 0.0;
        for (int j = 0; j < k; j++) {
            if (conf[j] && confident[slot][j]) {
                double dy = person.y[j] - ty[slot][j];
                double dx = person.x[j] - tx[slot][j];
                sum += Math.exp(-(dy * dy + dx * dx) / (area * tolerance[j]));
                shared++;
            }
        }
        if (shared >= cfg.minKeypoints) {
            return sum / shared;
        }
        double[] b = box[slot];
        double ih = Math.max(Math.min(pbox[2], b[2]) - Math.max(pbox[0], b[0]), 0.0);
        double iw = Math.max(Math.min(pbox[3], b[3]) - Math.max(pbox[1], b[1]), 0.0);
        double inter = ih * iw;
        double union = (pbox[2] - pbox[0]) * (pbox[3] - pbox[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
        return inter / Math.max(union, 1e-9);
    }

    /** y0, x0, y1, x1 around the confident keypoints (all of them when fewer than 2). */
    private void boxOf(double[] y, double[] x, boolean[] conf, double[] into) {
        int count = 0;
        for (boolean c : conf) {
            count += c ? 1 : 0;
        }
        into[0] = Double.POSITIVE_INFINITY;
        into[1] = Double.POSITIVE_INFINITY;
        into[2] = Double.NEGATIVE_INFINITY;
        into[3] = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            if (count < 2 || conf[j]) {
                into[0] = Math.min(into[0], y[j]);
                into[1] = Math.min(into[1], x[j]);
                into[2] = Math.max(into[2], y[j]);
                into[3] = Math.max(into[3], x[j]);
            }
        }
    }

    /** A free slot, else the one unseen longest (not seen at t); -1 when every track is in this frame. */
    private int freeSlot(double t) {
        int oldest = FREE;
        for (int s = 0; s < ids.length; s++) {
            if (ids[s] == FREE) {
                return s;
            }
            if (lastSeen[s] < t && (oldest == FREE || lastSeen[s] < lastSeen[oldest])) {
                oldest = s;
            }
        }
        return oldest;
    }

    private void grow(int n) {
        if (chosen.length >= n) {
            return;
        }
        int size = Math.max(n, 2 * chosen.length);
        chosen = new int[size];
        slotOf = new int[size];
        fresh = new boolean[size];
        slotOfPerson = new int[size];
        personConfident = new boolean[size][k];
        personBox = new double[size][4];
    }
}
