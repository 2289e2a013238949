package dev.cortado.tensor;

/**
 * IEEE binary16 and bfloat16 conversions in plain Java (JDK 17 has no {@code Float.float16ToFloat}).
 * Both directions round to nearest even, as F16C's {@code vcvtps2ph} and PyTorch do.
 */
public final class Half {
    private Half() {}

    public static float f16ToF32(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            if (mant == 0) return Float.intBitsToFloat(sign);
            // subnormal: mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 31) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    public static short f32ToF16(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int abs = x & 0x7fffffff;
        if (abs >= 0x7f800000) {  // inf or NaN (NaN keeps a quiet payload)
            return (short) (sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 | ((abs >>> 13) & 0x3ff) : 0));
        }
        if (abs >= 0x477ff000) return (short) (sign | 0x7c00);  // rounds to infinity
        if (abs < 0x38800000) {  // subnormal or zero in f16
            if (abs < 0x33000000) return (short) sign;
            int e = abs >>> 23;
            int mant = (abs & 0x7fffff) | 0x800000;
            int shift = 126 - e;
            int r = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int half = 1 << (shift - 1);
            if (rem > half || (rem == half && (r & 1) != 0)) r++;
            return (short) (sign | r);
        }
        int r = abs - 0x38000000;
        int rem = r & 0x1fff;
        r >>>= 13;
        if (rem > 0x1000 || (rem == 0x1000 && (r & 1) != 0)) r++;
        return (short) (sign | r);
    }

    public static float bf16ToF32(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    public static short f32ToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7fffffff) > 0x7f800000) return (short) ((x >>> 16) | 0x40);  // quiet NaN
        x += 0x7fff + ((x >>> 16) & 1);
        return (short) (x >>> 16);
    }
}
