package dev.cortado.tensor;

/**
 * The arithmetic ggml's reference quantizers share, written to give the same floats: float (not
 * double) operations in ggml's order, no fused multiply-add (the reference ggml-base library is built
 * for baseline x86-64, where the compiler cannot contract), ggml's rounding helpers.
 */
final class QuantMath {
    private QuantMath() {}

    /** ggml's {@code nearest_int}: round half to even through the float adder, valid for |x| < 2^22. */
    static int nearestInt(float x) {
        int i = Float.floatToRawIntBits(x + 12582912f);
        return (i & 0x007fffff) - 0x00400000;
    }

    /** C's {@code roundf}: half away from zero (Math.round rounds half up instead). */
    static int roundf(float x) {
        double r = Math.floor(Math.abs((double) x) + 0.5);  // exact: a float has 24 bits, a double 53
        return (int) (x < 0 ? -r : r);
    }

    /**
     * A C cast of a float to a small integer type as x86 performs it: cvttss2si to int32 (NaN and
     * out-of-range give 0x80000000), keeping the low bits; the caller masks to the width it needs.
     */
    static int truncToInt32(float x) {
        if (!(x > -2147483648f && x < 2147483648f)) return Integer.MIN_VALUE;
        return (int) x;
    }

    static float half(java.nio.ByteBuffer b, int offset) {
        return Half.f16ToF32(b.getShort(offset));
    }

    static void checkCount(TensorType type, int n) {
        if (n < 0 || n % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + ": " + n + " elements is not a multiple of the block size " + type.blockSize());
        }
    }

    /** Scale and min of sub-block {@code j} from the 12 packed 6-bit scale bytes of Q4_K/Q5_K. */
    static int scaleK4(int j, java.nio.ByteBuffer b, int scalesOffset) {
        if (j < 4) return b.get(scalesOffset + j) & 63;
        return (b.get(scalesOffset + j + 4) & 0xF) | (((b.get(scalesOffset + j - 4) & 0xff) >> 6) << 4);
    }

    static int minK4(int j, java.nio.ByteBuffer b, int scalesOffset) {
        if (j < 4) return b.get(scalesOffset + j + 4) & 63;
        return ((b.get(scalesOffset + j + 4) & 0xff) >> 4) | (((b.get(scalesOffset + j) & 0xff) >> 6) << 4);
    }

    /** Packs the eight 6-bit scales and mins of a Q4_K/Q5_K super-block into 12 bytes at {@code off}. */
    static void packScalesK4(int[] ls, int[] lm, java.nio.ByteBuffer b, int off) {
        byte[] s = new byte[12];
        for (int j = 0; j < 8; j++) {
            if (j < 4) {
                s[j] = (byte) ls[j];
                s[j + 4] = (byte) lm[j];
            } else {
                s[j + 4] = (byte) ((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
                s[j - 4] |= (byte) ((ls[j] >> 4) << 6);
                s[j] |= (byte) ((lm[j] >> 4) << 6);
            }
        }
        for (int k = 0; k < 12; k++) b.put(off + k, s[k]);
    }

    /**
     * ggml's {@code make_qkx2_quants}: levels {@code L[lo..lo+n)} in [0, nmax] for an affine fit
     * scale*L - min of {@code x[xo..xo+n)} under {@code weights}, searching nstep+1 scales.
     * Returns the scale; the min (as a positive number to subtract) goes to {@code minOut[mi]}.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, int[] L, int lo,
                                int[] laux, float rmin, float rdelta, int nstep, boolean useMad,
                                float[] minOut, int mi) {
        float min = x[xo];
        float max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float v = x[xo + i];
            if (v < min) min = v;
            if (v > max) max = v;
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            minOut[mi] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            l = Math.max(0, Math.min(nmax, l));
            L[lo + i] = l;
            float diff = scale * l + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            minOut[mi] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXl = 0;
            for (int i = 0; i < n; i++) {
                int l = nearestInt(iscale * (x[xo + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                laux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXl += w * l * x[xo + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(laux, 0, L, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        minOut[mi] = -min;
        return scale;
    }

    /**
     * ggml's {@code make_qx_quants} with rmse_type 1 and no importance weights (weights x^2): levels
     * {@code L[lo..lo+n)} = l + nmax for l in [-nmax, nmax-1], for a symmetric fit scale*l; returns scale.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < 1e-15f) {  // GROUP_MAX_EPS: all zero
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            int l = nearestInt(iscale * v);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lo + i] = l + nmax;
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xo + i];
                int l = nearestInt(iscale * v);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = v * v;
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xo + i]);
                    L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }
}
