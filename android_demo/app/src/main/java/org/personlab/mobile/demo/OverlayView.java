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
import org.personlab.mobile.core.OverlayFrame;

/**
 * Draws the newest {@link OverlayFrame} over the preview: instance masks, skeletons, keypoints, person
 * scores, and two status lines (the backend, which stays until the backend changes; the stage times).
 * All geometry was computed in core on the analyzer thread; this view only draws it.
 */
public final class OverlayView extends View {
    private final Paint line = new Paint(Paint.ANTI_ALIAS_FLAG);
    private final Paint dot = new Paint(Paint.ANTI_ALIAS_FLAG);
    private final Paint text = new Paint(Paint.ANTI_ALIAS_FLAG);
    private final Paint maskPaint = new Paint(Paint.FILTER_BITMAP_FLAG);
    private final Matrix maskMatrix = new Matrix();
    private Bitmap mask;
    private OverlayFrame frame;
    private String backendStatus = "";
    private String frameStatus = "";

    public OverlayView(Context context) {
        this(context, null);
    }

    public OverlayView(Context context, AttributeSet attrs) {
        super(context, attrs);
        line.setStrokeWidth(6f);
        line.setStyle(Paint.Style.STROKE);
        dot.setStyle(Paint.Style.FILL);
        text.setTextSize(40f);
        text.setColor(Color.WHITE);
        text.setShadowLayer(4f, 0f, 0f, Color.BLACK);
    }

    /** UI thread: shows {@code next}; returns the frame shown before (the caller reuses it). */
    OverlayFrame show(OverlayFrame next) {
        OverlayFrame previous = frame;
        frame = next;
        if (mask == null || mask.getWidth() != next.maskW || mask.getHeight() != next.maskH) {
            mask = Bitmap.createBitmap(Math.max(next.maskW, 1), Math.max(next.maskH, 1), Bitmap.Config.ARGB_8888);
        }
        if (next.maskW > 0) {
            mask.setPixels(next.mask, 0, next.maskW, 0, 0, next.maskW, next.maskH);
        }
        maskMatrix.setValues(next.maskMatrix);
        frameStatus = next.status;
        invalidate();
        return previous;
    }

    /** UI thread: the backend line (kept until replaced). */
    void setBackendStatus(String status) {
        backendStatus = status;
        invalidate();
    }

    /** UI thread: forget the last frame (camera stopped). */
    OverlayFrame clear() {
        OverlayFrame previous = frame;
        frame = null;
        invalidate();
        return previous;
    }

    @Override
    protected void onDraw(Canvas canvas) {
        super.onDraw(canvas);
        OverlayFrame f = frame;
        if (f != null) {
            if (f.maskW > 0) {
                canvas.drawBitmap(mask, maskMatrix, maskPaint);
            }
            for (int p = 0; p < f.people; p++) {
                line.setColor(f.colour[p]);
                dot.setColor(f.colour[p]);
                canvas.drawLines(f.lines[p], 0, f.lineCount[p], line);
                for (int i = 0; i < f.pointCount[p]; i += 2) {
                    canvas.drawCircle(f.points[p][i], f.points[p][i + 1], 8f, dot);
                }
                if (f.pointCount[p] > 0) {
                    canvas.drawText(String.format(Locale.ROOT, "%.2f", f.score[p]), f.labelX[p], f.labelY[p] - 16f, text);
                }
            }
        }
        canvas.drawText(backendStatus, 24f, 56f, text);
        canvas.drawText(frameStatus, 24f, 104f, text);
    }
}
