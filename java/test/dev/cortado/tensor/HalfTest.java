package dev.cortado.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java half conversions, checked against exact arithmetic rather than another implementation. */
class HalfTest {
    @Test
    void everyHalfRoundTripsAndDecodesToItsExactValue() {
        for (int h = 0; h < 65536; h++) {
            float f = Half.f16ToF32((short) h);
            int exp = (h >>> 10) & 0x1f;
            if (exp == 31 && (h & 0x3ff) != 0) {
                assertTrue(Float.isNaN(f));
                continue;
            }
            assertEquals((short) h, Half.f32ToF16(f), "half " + Integer.toHexString(h));
            // exact value from the definition
            int mant = h & 0x3ff;
            double v = exp == 0 ? mant * Math.pow(2, -24) : exp == 31 ? Double.POSITIVE_INFINITY
                    : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
            if ((h & 0x8000) != 0) v = -v;
            assertEquals(v, f, 0.0);
        }
    }

    @Test
    void roundsToNearestEven() {
        Random r = new Random(1);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(f) || Math.abs(f) > 65504f) continue;
            short h = Half.f32ToF16(f);
            double got = Half.f16ToF32(h);
            // neighbours of the chosen half must not be strictly closer
            for (int d : new int[] {-1, 1}) {
                int nb = (h & 0xffff) + d;
                if ((nb & 0x7fff) >= 0x7c00 || nb < 0 || nb > 0xffff || ((nb ^ h) & 0x8000) != 0) continue;
                double other = Half.f16ToF32((short) nb);
                double dg = Math.abs(got - f), doo = Math.abs(other - f);
                assertTrue(dg < doo || (dg == doo && (h & 1) == 0), "f=" + f + " h=" + h);
            }
        }
    }
}
