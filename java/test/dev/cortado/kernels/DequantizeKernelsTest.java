package dev.cortado.kernels;

import dev.cortado.tensor.Codecs;
import dev.cortado.tensor.Half;
import dev.cortado.tensor.QuantGolden;
import dev.cortado.tensor.TensorType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Native dequantize kernels, AVX2 and portable, against the Java codecs (themselves bit-exact with
 * ggml): exact float equality (same bits), over odd block counts, on random block bytes (every bit
 * pattern, finite fp16 scales) and on blocks quantized from gaussian data.
 */
class DequantizeKernelsTest {
    static final TensorType[] TYPES = {TensorType.F16, TensorType.BF16, TensorType.Q8_0, TensorType.Q4_0,
            TensorType.Q4_1, TensorType.Q5_0, TensorType.Q5_1, TensorType.Q4_K, TensorType.Q5_K, TensorType.Q6_K};

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String isa : new String[]{"avx2", "generic"}) for (TensorType t : TYPES) b.add(Arguments.of(isa, t));
        return b.build();
    }

    /** Random bytes with every fp16 field made finite (so NaN payloads don't enter the comparison). */
    static byte[] randomBlocks(TensorType type, int blocks, Random r) {
        byte[] q = new byte[blocks * type.blockBytes()];
        r.nextBytes(q);
        ByteBuffer bb = ByteBuffer.wrap(q).order(ByteOrder.LITTLE_ENDIAN);
        int[] halves = switch (type) {
            case Q8_0, Q4_0, Q5_0 -> new int[]{0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[]{0, 2};
            case Q6_K -> new int[]{208};
            default -> new int[0];
        };
        for (int blk = 0; blk < blocks; blk++) {
            for (int off : halves) bb.putShort(blk * type.blockBytes() + off, finiteHalf(r));
        }
        if (type == TensorType.F16) for (int i = 0; i < blocks; i++) bb.putShort(2 * i, finiteHalf(r));
        if (type == TensorType.BF16) for (int i = 0; i < blocks; i++) bb.putShort(2 * i, Half.f32ToBf16((float) (r.nextGaussian() * 100)));
        return q;
    }

    static short finiteHalf(Random r) {
        return (short) ((r.nextInt(2) << 15) | (r.nextInt(31) << 10) | r.nextInt(1024));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void nativeMatchesJavaExactly(String isa, TensorType type) {
        Kernels.load();
        String before = Kernels.isa();
        try {
            if (!Kernels.setIsa(isa).equals(isa)) return;  // CPU without AVX2: the generic run covers it
            Random r = new Random(11 + type.ordinal());
            int[] counts = type.blockSize() == 1 ? new int[]{1, 3, 7, 33, 1001, 70_001} : new int[]{1, 3, 7, 33, 129, 300};
            for (int blocks : counts) {
                for (int variant = 0; variant < 2; variant++) {
                    int n = blocks * type.blockSize();
                    byte[] q;
                    if (variant == 0 || !type.isQuantized()) {
                        q = randomBlocks(type, blocks, r);
                    } else {
                        float[] x = new float[n];
                        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * (i % 97 == 0 ? 8 : 1));
                        q = Codecs.quantize(type, x).array();
                    }
                    float[] want = Codecs.dequantize(type, ByteBuffer.wrap(q), 0, n);
                    try (BytePointer src = new BytePointer(q); FloatPointer dst = new FloatPointer(n)) {
                        Kernels.dequantize(type, src, q.length, dst, n, n, 3);
                        for (int i = 0; i < n; i++) {
                            float got = dst.get(i);
                            if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(want[i])) {
                                fail(isa + " " + type + " (" + blocks + " blocks, variant " + variant + "): element " + i
                                        + " is " + got + ", Java gives " + want[i]);
                            }
                        }
                    }
                }
            }
        } finally {
            Kernels.setIsa(before);
        }
    }

    /** The native kernels straight against ggml's floats in testdata/quant (both ISAs). */
    @ParameterizedTest
    @MethodSource("cases")
    void nativeMatchesGgmlGoldens(String isa, TensorType type) throws Exception {
        if (!type.isQuantized()) return;
        Kernels.load();
        String before = Kernels.isa();
        try {
            if (!Kernels.setIsa(isa).equals(isa)) return;
            for (QuantGolden g : QuantGolden.load(type)) {
                int n = g.dequantized().length;
                try (BytePointer src = new BytePointer(g.quantized()); FloatPointer dst = new FloatPointer(n)) {
                    Kernels.dequantize(type, src, g.quantized().length, dst, n, n, 2);
                    for (int i = 0; i < n; i++) {
                        if (Float.floatToRawIntBits(dst.get(i)) != Float.floatToRawIntBits(g.dequantized()[i])) {
                            fail(isa + " " + type + " " + g.name() + ": element " + i + " is " + dst.get(i) + ", ggml gives " + g.dequantized()[i]);
                        }
                    }
                }
            }
        } finally {
            Kernels.setIsa(before);
        }
    }

    @Test
    void argumentsAreChecked() {
        Kernels.load();
        try (BytePointer src = new BytePointer(new byte[144]); FloatPointer dst = new FloatPointer(256)) {
            assertThrows(IllegalArgumentException.class, () -> Kernels.dequantize(TensorType.Q2_K, src, 144, dst, 256, 256));
            assertThrows(IllegalArgumentException.class, () -> Kernels.dequantize(TensorType.Q4_K, src, 144, dst, 256, 128));
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.dequantize(TensorType.Q4_K, src, 143, dst, 256, 256));
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.dequantize(TensorType.Q4_K, src, 144, dst, 255, 256));
            assertThrows(IndexOutOfBoundsException.class, () -> Kernels.dequantize(TensorType.Q8_0, src, 1000, dst, 1000, 512));
            Kernels.dequantize(TensorType.Q4_K, src, 144, dst, 256, 256);  // in bounds: fine
            assertEquals(0f, dst.get(0));
        }
    }
}
