package dev.cortado.io.gguf;

import dev.cortado.CortadoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Each way a GGUF file can be wrong gives one clear line naming the file and the problem. */
class GgufReaderErrorsTest {
    @TempDir
    Path tmp;

    private static final int F32 = 0, Q8_0 = 8;
    private static final GgufValue ONE = GgufValue.ofUint32(1);

    private void assertRejected(byte[] bytes, String expected) throws IOException {
        Path p = Files.write(tmp.resolve("bad.gguf"), bytes);
        CortadoException e = assertThrows(CortadoException.class, () -> GgufFile.open(p).close());
        String msg = e.getMessage();
        assertTrue(msg.startsWith(p + ": "), msg);
        assertTrue(msg.contains(expected), "expected '" + expected + "' in: " + msg);
        assertFalse(msg.contains("\n") || msg.contains("\r"), "one line: " + msg);
    }

    private void assertRejected(RawGguf raw, String expected) throws IOException {
        assertRejected(raw.bytes(), expected);
    }

    @Test
    void notAGgufFile() throws IOException {
        Path missing = tmp.resolve("missing.gguf");
        CortadoException e = assertThrows(CortadoException.class, () -> GgufFile.open(missing));
        assertEquals(missing + ": no such file", e.getMessage());
        assertRejected(new byte[0], "too small to be a GGUF file (0 bytes)");
        assertRejected("GGU".getBytes(), "too small");
        assertRejected("GGML\u0003\0\0\0xxxxxxxxxxxxxxxxx".getBytes(), "not a GGUF file (starts with \"GGML\"");
        assertRejected(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, "not a GGUF file (starts with 0x01020304");
    }

    @Test
    void versions() throws IOException {
        assertRejected(RawGguf.header(1, 0, 0), "GGUF version 1 is not supported");
        assertRejected(RawGguf.header(0x03000000, 0, 0), "big-endian GGUF (version 3) is not supported");
        assertRejected(RawGguf.header(99, 0, 0), "unsupported GGUF version 99");
        assertRejected(RawGguf.header(-1, 0, 0), "unsupported GGUF version 4294967295");
        assertRejected(new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0, 0}, "truncated: tensor count at byte 8 needs 8 bytes but the file has 9");
    }

    @Test
    void hugeDeclaredCountsFailFast() throws IOException {
        assertRejected(RawGguf.header(3, 1L << 60, 0), "declares 1152921504606846976 tensors but only 0 bytes follow");
        assertRejected(RawGguf.header(3, 0, 1L << 60), "declares 1152921504606846976 metadata entries");
        assertRejected(RawGguf.header(3, -1, 0), "tensor count 18446744073709551615 at byte 8 is out of range");
        assertRejected(RawGguf.header(3, 0, 1).u64(1L << 62).zeros(20), "key of metadata entry 0 at byte 24 declares 4611686018427387904 bytes but only 20 remain");
        assertRejected(RawGguf.header(3, 0, 1).str("k").u32(GgufValueType.STRING.id()).u64(-1L).zeros(8), "k at byte 37 declares 18446744073709551615 bytes");
        assertRejected(RawGguf.header(3, 0, 1).str("arr").u32(9).u32(GgufValueType.INT64.id()).u64(1L << 40).zeros(64),
                "metadata arr at byte 43 declares 1099511627776 int64 elements but only 64 bytes remain");
        assertRejected(RawGguf.header(3, 0, 1).str("arr").u32(9).u32(GgufValueType.STRING.id()).u64(9).zeros(64),
                "declares 9 string elements but only 64 bytes remain");
    }

    @Test
    void badMetadata() throws IOException {
        assertRejected(RawGguf.header(3, 0, 1).str("k").u32(13).zeros(8), "metadata k has unknown value type 13");
        assertRejected(RawGguf.header(3, 0, 1).str("k").u32(9).u32(77).u64(0), "metadata k is an array of unknown value type 77");
        assertRejected(RawGguf.header(3, 0, 1).str("k").u32(GgufValueType.BOOL.id()).u8(2), "metadata k has bool byte 2 at byte 37 (must be 0 or 1)");
        assertRejected(RawGguf.header(3, 0, 2).kv("k", ONE).kv("k", ONE), "duplicate metadata key k at byte");
        assertRejected(RawGguf.header(3, 0, 1).str("k").u32(GgufValueType.UINT64.id()).zeros(3), "truncated: k at byte 37 needs 8 bytes but the file has 40");
        assertRejected(RawGguf.header(3, 0, 1).str("bad\nkey").u32(13).zeros(8), "metadata bad\\x0akey has unknown value type");
        RawGguf deep = RawGguf.header(3, 0, 1).str("deep").u32(9);
        for (int i = 0; i < 20; i++) deep.u32(9).u64(1);
        assertRejected(deep.zeros(64), "nests arrays deeper than 8");
    }

    @Test
    void badAlignment() throws IOException {
        assertRejected(RawGguf.header(3, 0, 1).kv("general.alignment", GgufValue.ofUint32(0)), "general.alignment 0 is not a non-zero power of two");
        assertRejected(RawGguf.header(3, 0, 1).kv("general.alignment", GgufValue.ofUint32(48)), "general.alignment 48 is not a non-zero power of two");
        assertRejected(RawGguf.header(3, 0, 1).kv("general.alignment", GgufValue.ofUint32(1L << 31)), "is larger than");
        assertRejected(RawGguf.header(3, 0, 1).kv("general.alignment", GgufValue.ofInt32(32)), "general.alignment must be a uint32, not int32");
        assertRejected(RawGguf.header(3, 0, 1).kv("general.alignment", GgufValue.ofStrings(new String[0])), "must be a uint32, not an array");
    }

    @Test
    void badTensorInfos() throws IOException {
        assertRejected(RawGguf.header(3, 1, 0).tensor("t", new long[0], F32, 0).zeros(64), "tensor t has 0 dimensions (must be 1 to 4)");
        assertRejected(RawGguf.header(3, 1, 0).tensor("t", new long[] {1, 1, 1, 1, 1}, F32, 0).zeros(64), "tensor t has 5 dimensions");
        assertRejected(RawGguf.header(3, 1, 0).tensor("t", new long[] {4, 0}, F32, 0).zeros(64), "tensor t has dimension 1 = 0 (must be at least 1)");
        assertRejected(RawGguf.header(3, 1, 0).tensor("t", new long[] {-1}, F32, 0).zeros(64), "dimension 0 = 18446744073709551615");
        assertRejected(RawGguf.header(3, 1, 0).tensor("t", new long[] {1L << 32, 1L << 32}, F32, 0).zeros(64), "tensor t element count 4294967296x4294967296 overflows");
        assertRejected(RawGguf.header(3, 1, 0).tensor("t", new long[] {1L << 62}, F32, 0).zeros(64), "tensor t byte size overflows");
        assertRejected(RawGguf.header(3, 1, 0).tensor("blk.0.x", new long[] {4}, 1234, 0).zeros(64), "tensor blk.0.x has unknown type id 1234");
        assertRejected(RawGguf.header(3, 1, 0).tensor("t", new long[] {16, 2}, Q8_0, 0).zeros(64), "tensor t row length 16 is not a multiple of Q8_0's block size 32");
        assertRejected(RawGguf.header(3, 1, 0).tensor("t", new long[] {4}, F32, 4).zeros(64), "tensor t data offset 4 is not a multiple of the alignment 32");
        assertRejected(RawGguf.header(3, 1, 0).tensor("t", new long[] {4}, F32, -32).zeros(64), "data offset 18446744073709551584 is out of range");
        assertRejected(RawGguf.header(3, 2, 0).tensor("t", new long[] {4}, F32, 0).tensor("t", new long[] {4}, F32, 32).zeros(64), "duplicate tensor name t at byte");
        assertRejected(RawGguf.header(3, 1, 0).str("t").u32(1).u64(4).u8(0), "header declares 1 tensors but only 22 bytes follow");
        assertRejected(RawGguf.header(3, 1, 0).str("a_long_tensor_name_x").u32(1).u64(4),
                "truncated: type of tensor a_long_tensor_name_x at byte 64 needs 4 bytes but the file has 64");
    }

    @Test
    void tensorDataOutsideTheFileOrOverlapping() throws IOException {
        // header 24 + tensor info (8+18 + 4 + 8 + 4 + 8 = 50) = 74 -> data at 96
        RawGguf one = RawGguf.header(3, 1, 0).tensor("blk.3.attn_q.weight", new long[] {8, 4}, F32, 0).padTo(32).zeros(100);
        assertRejected(one, "tensor blk.3.attn_q.weight ends at byte 224 but the file has 196");
        RawGguf far = RawGguf.header(3, 1, 0).tensor("t", new long[] {1}, F32, 1L << 62).padTo(32).zeros(4);
        assertRejected(far, "tensor t ends at byte 4611686018427387972 but the file has 68");
        RawGguf farther = RawGguf.header(3, 1, 0).tensor("t", new long[] {1L << 60}, F32, (Long.MAX_VALUE - 31) & ~31L).padTo(32).zeros(4);
        assertRejected(farther, "tensor t ends past byte 2^63 but the file has");
        RawGguf overlap = RawGguf.header(3, 2, 0)
                .tensor("a", new long[] {16}, F32, 0)
                .tensor("b", new long[] {16}, F32, 32)
                .padTo(32).zeros(128);
        assertRejected(overlap, "tensors a and b overlap (data bytes 0..64 and 32..96)");
        // a tensor exactly filling the file is fine
        Path ok = RawGguf.header(3, 1, 0).tensor("t", new long[] {8}, F32, 0).padTo(32).zeros(32).writeTo(tmp.resolve("ok.gguf"));
        try (GgufFile f = GgufFile.open(ok)) {
            assertEquals(Files.size(ok), f.dataOffset() + f.tensor("t").byteSize());
        }
    }
}
