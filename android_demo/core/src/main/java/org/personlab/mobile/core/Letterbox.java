package org.personlab.mobile.core;

/**
 * The artifacts' letterbox (personlab.geometry.letterbox): keep the aspect ratio, fit inside the
 * model input, centre. x_input = scale * x + tx, y_input = scale * y + ty.
 */
public final class Letterbox {
    public final double scale;
    public final double tx;
    public final double ty;

    public Letterbox(double scale, double tx, double ty) {
        this.scale = scale;
        this.tx = tx;
        this.ty = ty;
    }

    /** The letterbox of an (imageH, imageW) image into an (inputH, inputW) model input. */
    public static Letterbox fit(int imageH, int imageW, int inputH, int inputW) {
        if (imageH <= 0 || imageW <= 0 || inputH <= 0 || inputW <= 0) {
            throw new IllegalArgumentException("letterbox of " + imageW + "x" + imageH + " into " + inputW + "x" + inputH);
        }
        double scale = Math.min((double) inputH / imageH, (double) inputW / imageW);
        return new Letterbox(scale, (inputW - scale * imageW) / 2.0, (inputH - scale * imageH) / 2.0);
    }

    public double toInputX(double imageX) {
        return scale * imageX + tx;
    }

    public double toInputY(double imageY) {
        return scale * imageY + ty;
    }

    public double toImageX(double inputX) {
        return (inputX - tx) / scale;
    }

    public double toImageY(double inputY) {
        return (inputY - ty) / scale;
    }

    @Override
    public String toString() {
        return "Letterbox(scale=" + scale + ", tx=" + tx + ", ty=" + ty + ")";
    }
}
