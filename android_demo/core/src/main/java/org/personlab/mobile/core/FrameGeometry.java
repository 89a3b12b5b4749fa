package org.personlab.mobile.core;

/**
 * Where the picture is in a camera frame: the frame size, the crop that is shown (CameraX's crop rect
 * under a ViewPort), and the clockwise rotation that makes the crop upright (ImageInfo's rotation
 * degrees). Upright pixel (u, v) of the crop is frame pixel ({@link #frameX}, {@link #frameY}).
 */
public final class FrameGeometry {
    public final int frameW;
    public final int frameH;
    public final int cropLeft;
    public final int cropTop;
    public final int cropW;
    public final int cropH;
    public final int rotation; // 0, 90, 180 or 270
    public final int uprightW;
    public final int uprightH;

    public FrameGeometry(int frameW, int frameH, int cropLeft, int cropTop, int cropW, int cropH, int rotation) {
        if (rotation != 0 && rotation != 90 && rotation != 180 && rotation != 270) {
            throw new IllegalArgumentException("rotation " + rotation + " is not 0, 90, 180 or 270");
        }
        if (cropW <= 0 || cropH <= 0 || cropLeft < 0 || cropTop < 0 || cropLeft + cropW > frameW || cropTop + cropH > frameH) {
            throw new IllegalArgumentException("crop " + cropW + "x" + cropH + "+" + cropLeft + "+" + cropTop
                    + " is not inside the " + frameW + "x" + frameH + " frame");
        }
        this.frameW = frameW;
        this.frameH = frameH;
        this.cropLeft = cropLeft;
        this.cropTop = cropTop;
        this.cropW = cropW;
        this.cropH = cropH;
        this.rotation = rotation;
        boolean quarter = rotation == 90 || rotation == 270;
        uprightW = quarter ? cropH : cropW;
        uprightH = quarter ? cropW : cropH;
    }

    /** The whole frame, upright after {@code rotation}. */
    public static FrameGeometry full(int frameW, int frameH, int rotation) {
        return new FrameGeometry(frameW, frameH, 0, 0, frameW, frameH, rotation);
    }

    /**
     * Frame x of upright pixel (u, v). Turning the crop clockwise by {@code rotation} makes it upright, so
     * for 90 the crop's top row is the upright right column. Depends on u alone or on v alone.
     */
    public int frameX(int u, int v) {
        switch (rotation) {
            case 90:
                return cropLeft + v;
            case 180:
                return cropLeft + cropW - 1 - u;
            case 270:
                return cropLeft + cropW - 1 - v;
            default:
                return cropLeft + u;
        }
    }

    /** Frame y of upright pixel (u, v). */
    public int frameY(int u, int v) {
        switch (rotation) {
            case 90:
                return cropTop + cropH - 1 - u;
            case 180:
                return cropTop + cropH - 1 - v;
            case 270:
                return cropTop + u;
            default:
                return cropTop + v;
        }
    }

    /** Whether the frame's x follows the upright column (else the upright row). */
    boolean xFollowsColumn() {
        return rotation == 0 || rotation == 180;
    }

    /** Whether this is the geometry of these values (the app keeps one while the camera's stay the same). */
    public boolean is(int frameW, int frameH, int cropLeft, int cropTop, int cropW, int cropH, int rotation) {
        return this.frameW == frameW && this.frameH == frameH && this.cropLeft == cropLeft && this.cropTop == cropTop
                && this.cropW == cropW && this.cropH == cropH && this.rotation == rotation;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FrameGeometry)) {
            return false;
        }
        FrameGeometry g = (FrameGeometry) o;
        return is(g.frameW, g.frameH, g.cropLeft, g.cropTop, g.cropW, g.cropH, g.rotation);
    }

    @Override
    public int hashCode() {
        return ((((frameW * 31 + frameH) * 31 + cropLeft) * 31 + cropTop) * 31 + cropW * 7 + cropH) * 31 + rotation;
    }
}
