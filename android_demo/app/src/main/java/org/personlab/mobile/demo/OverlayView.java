package org.personlab.mobile.demo;

import android.content.Context;
import android.graphics.Bitmap;
import android.graphics.Canvas;
import android.graphics.Color;
import android.graphics.Matrix;
import android.graphics.Paint;
import android.util.AttributeSet;
import android.view.View;
import java.util.Locale;
import org.personlab.mobile.core.Letterbox;
import org.personlab.mobile.core.Metadata;
import org.personlab.mobile.core.Person;

/**
 * Draws one decoded frame over the camera preview: instance masks (one colour per person), skeletons,
 * person scores, and the FPS / inference / decode times. Coordinates go model input -> camera frame
 * (letterbox inverse) -> view (PreviewView's FILL_CENTER scaling).
 */
public final class OverlayView extends View {
    private static final int[] COLOURS = {
        0xFFE6194B, 0xFF3CB44B, 0xFFFFE119, 0xFF4363D8, 0xFFF58231, 0xFF911EB4, 0xFF46F0F0, 0xFFF032E6,
        0xFFBCF60C, 0xFFFABEBE, 0xFF008080, 0xFFE6BEFF, 0xFF9A6324, 0xFFFFFAC8, 0xFF800000, 0xFFAAFFC3,
    };
    private static final double KEYPOINT_FLOOR = 0.1; // DecoderConfig.keypointFloor

    private final Paint line = new Paint(Paint.ANTI_ALIAS_FLAG);
    private final Paint dot = new Paint(Paint.ANTI_ALIAS_FLAG);
    private final Paint text = new Paint(Paint.ANTI_ALIAS_FLAG);
    private final Paint hud = new Paint(Paint.ANTI_ALIAS_FLAG);
    private final Paint maskPaint = new Paint(Paint.FILTER_BITMAP_FLAG);
    private PoseEstimator.Frame frame;
    private Metadata metadata;
    private Bitmap mask;
    private int[] maskPixels;
    private String status = "";
    private boolean mirrored;

    public OverlayView(Context context) {
        this(context, null);
    }

    public OverlayView(Context context, AttributeSet attrs) {
        super(context, attrs);
        line.setStrokeWidth(6f);
        line.setStyle(Paint.Style.STROKE);
        dot.setStyle(Paint.Style.FILL);
        text.setTextSize(36f);
        text.setColor(Color.WHITE);
        text.setShadowLayer(4f, 0f, 0f, Color.BLACK);
        hud.setTextSize(40f);
        hud.setColor(Color.WHITE);
        hud.setShadowLayer(4f, 0f, 0f, Color.BLACK);
    }

    /** Called on the UI thread with the newest frame. */
    void show(PoseEstimator.Frame frame, Metadata metadata, String status, boolean mirrored) {
        this.frame = frame;
        this.metadata = metadata;
        this.status = status;
        this.mirrored = mirrored;
        int mh = frame.result.maskH;
        int mw = frame.result.maskW;
        if (mask == null || mask.getWidth() != mw || mask.getHeight() != mh) {
            mask = Bitmap.createBitmap(mw, mh, Bitmap.Config.ARGB_8888);
            maskPixels = new int[mw * mh];
        }
        int[] labels = frame.result.labels;
        for (int i = 0; i < labels.length; i++) {
            int p = labels[i];
            maskPixels[i] = p < 0 ? Color.TRANSPARENT : (COLOURS[p % COLOURS.length] & 0x00FFFFFF) | 0x70000000;
        }
        mask.setPixels(maskPixels, 0, mw, 0, 0, mw, mh);
        invalidate();
    }

    void showStatus(String status) {
        this.status = status;
        invalidate();
    }

    @Override
    protected void onDraw(Canvas canvas) {
        super.onDraw(canvas);
        if (frame != null) {
            Letterbox lb = frame.letterbox;
            // camera frame -> view, as PreviewView.ScaleType.FILL_CENTER
            float s = Math.max((float) getWidth() / frame.imageW, (float) getHeight() / frame.imageH);
            float ox = (getWidth() - s * frame.imageW) / 2f;
            float oy = (getHeight() - s * frame.imageH) / 2f;
            Matrix toView = new Matrix(); // model input -> view
            toView.setTranslate((float) -lb.tx, (float) -lb.ty);
            toView.postScale((float) (1.0 / lb.scale), (float) (1.0 / lb.scale));
            toView.postScale(s, s);
            toView.postTranslate(ox, oy);
            if (mirrored) {
                toView.postScale(-1f, 1f, getWidth() / 2f, 0f);
            }
            // masks: grid cell (i, j) sits at input pixel maskStride * (i, j)
            Matrix maskMatrix = new Matrix();
            maskMatrix.setScale(frame.result.maskStride, frame.result.maskStride);
            maskMatrix.postConcat(toView);
            canvas.drawBitmap(mask, maskMatrix, maskPaint);
            float[] pts = new float[2];
            int[][] edges = metadata.edges.length > 0 ? metadata.edges : metadata.directedEdges;
            for (int p = 0; p < frame.result.people.size(); p++) {
                Person person = frame.result.people.get(p);
                int colour = COLOURS[p % COLOURS.length];
                line.setColor(colour);
                dot.setColor(colour);
                int k = person.numKeypoints();
                float[] vx = new float[k];
                float[] vy = new float[k];
                float top = Float.MAX_VALUE;
                float topX = 0;
                for (int j = 0; j < k; j++) {
                    pts[0] = (float) person.x[j];
                    pts[1] = (float) person.y[j];
                    toView.mapPoints(pts);
                    vx[j] = pts[0];
                    vy[j] = pts[1];
                    if (person.scores[j] > KEYPOINT_FLOOR) {
                        canvas.drawCircle(vx[j], vy[j], 8f, dot);
                        if (vy[j] < top) {
                            top = vy[j];
                            topX = vx[j];
                        }
                    }
                }
                for (int[] e : edges) {
                    if (person.scores[e[0]] > KEYPOINT_FLOOR && person.scores[e[1]] > KEYPOINT_FLOOR) {
                        canvas.drawLine(vx[e[0]], vy[e[0]], vx[e[1]], vy[e[1]], line);
                    }
                }
                if (top < Float.MAX_VALUE) {
                    canvas.drawText(String.format(Locale.ROOT, "%.2f", person.score), topX, top - 16f, text);
                }
            }
        }
        float y = 56f;
        for (String row : status.split("\n")) {
            canvas.drawText(row, 24f, y, hud);
            y += 48f;
        }
    }
}
