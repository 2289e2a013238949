package dev.cortado.kernels;

import dev.cortado.tensor.Half;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** f16/bf16 conversion kernels, both ISAs, against the JDK's own conversions (exact). */
class ConvertKernelsTest {
    @ParameterizedTest
    @ValueSource(strings = {"avx2", "generic"})
    void halfConversionsMatchJava(String isa) {
        Kernels.load();
        String before = Kernels.isa();
        try {
            Kernels.setIsa(isa);
            Random r = new Random(7);
            int n = 65_537 + 13;  // odd, crosses the threading grain
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = switch (i % 5) {
                    case 0 -> (float) r.nextGaussian();
                    case 1 -> (float) (r.nextGaussian() * 1e-6);   // f16 subnormals
                    case 2 -> (float) (r.nextGaussian() * 7e4);    // f16 overflow to inf
                    case 3 -> Float.intBitsToFloat(r.nextInt());   // anything, NaN included
                    default -> (float) (r.nextGaussian() * 1e-9);
                };
            }
            try (FloatPointer fx = new FloatPointer(x); ShortPointer h = new ShortPointer(n);
                 ShortPointer b = new ShortPointer(n); FloatPointer back = new FloatPointer(n)) {
                CpuKernels.convert_f32_to_f16(fx, h, n, 2);
                CpuKernels.convert_f32_to_bf16(fx, b, n, 2);
                for (int i = 0; i < n; i++) {
                    short want = Float.isNaN(x[i]) ? 0 : Half.f32ToF16(x[i]);
                    if (!Float.isNaN(x[i])) assertEquals(want, h.get(i), "f16 of " + x[i] + " at " + i);
                    else assertEquals(true, Float.isNaN(Half.f16ToF32(h.get(i))), "NaN stays NaN");
                    if (!Float.isNaN(x[i])) assertEquals(Half.f32ToBf16(x[i]), b.get(i), "bf16 of " + x[i] + " at " + i);
                }
                CpuKernels.convert_f16_to_f32(h, back, n, 2);
                for (int i = 0; i < n; i++) {
                    float want = Half.f16ToF32(h.get(i));
                    if (!Float.isNaN(want)) assertEquals(want, back.get(i), 0f, "f16->f32 at " + i);
                }
                CpuKernels.convert_bf16_to_f32(b, back, n, 2);
                for (int i = 0; i < n; i++) {
                    float want = Float.intBitsToFloat((b.get(i) & 0xffff) << 16);
                    if (!Float.isNaN(want)) assertEquals(want, back.get(i), 0f, "bf16->f32 at " + i);
                }
            }
        } finally {
            Kernels.setIsa(before);
        }
    }
}
