package org.personlab.mobile.core;

/**
 * Model-input pixels -> view pixels, for drawing over the preview: the letterbox undone (input -> upright
 * crop), the crop scaled to fill the view and centred (PreviewView's FILL_CENTER; with a shared ViewPort
 * the crop already has the view's aspect), and mirrored left-right for the front camera (the preview is
 * mirrored, the analysed frames are not). Axis-aligned: x_view = sx * x + ox, y_view = sy * y + oy.
 * Input and crop coordinates are pixel indices (pixel u's centre at u, as the letterbox and the decoder
 * use them); view coordinates are continuous (pixel u of the crop covers [u, u + 1) before scaling).
 */
public final class ViewTransform {
    public final double sx;
    public final double ox;
    public final double sy;
    public final double oy;

    private ViewTransform(double sx, double ox, double sy, double oy) {
        this.sx = sx;
        this.ox = ox;
        this.sy = sy;
        this.oy = oy;
    }

    public static ViewTransform of(Letterbox lb, int uprightW, int uprightH, int viewW, int viewH, boolean mirror) {
        double fill = Math.max((double) viewW / uprightW, (double) viewH / uprightH);
        double cx = (viewW - fill * uprightW) / 2.0;
        double cy = (viewH - fill * uprightH) / 2.0;
        // input -> crop index: (x - tx) / scale; crop index -> view: fill * (u + 0.5) + c
        double sx = fill / lb.scale;
        double ox = cx + fill * 0.5 - lb.tx * sx;
        double sy = fill / lb.scale;
        double oy = cy + fill * 0.5 - lb.ty * sy;
        if (mirror) {
            sx = -sx;
            ox = viewW - ox;
        }
        return new ViewTransform(sx, ox, sy, oy);
    }

    public double viewX(double inputX) {
        return sx * inputX + ox;
    }

    public double viewY(double inputY) {
        return sy * inputY + oy;
    }

    /**
     * The transform of a mask bitmap whose pixel (i, j) is the mask-grid cell at input pixel
     * stride * (i, j): bitmap coordinates put that pixel's centre at j + 0.5, so bitmap x maps to input
     * stride * (x - 0.5) before this transform.
     */
    public ViewTransform forMaskBitmap(int stride) {
        return new ViewTransform(sx * stride, ox - sx * stride * 0.5, sy * stride, oy - sy * stride * 0.5);
    }

    /** The 3x3 row-major affine matrix (android.graphics.Matrix.setValues order). */
    public float[] matrixValues(float[] out) {
        out[0] = (float) sx;
        out[1] = 0f;
        out[2] = (float) ox;
        out[3] = 0f;
        out[4] = (float) sy;
        out[5] = (float) oy;
        out[6] = 0f;
        out[7] = 0f;
        out[8] = 1f;
        return out;
    }
}
