package dev.cortado.io.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds GGUF bytes field by field, so tests can write files that lie in any chosen way. */
final class RawGguf {
    private final GgufEncoder e = new GgufEncoder();

    static RawGguf header(int version, long nTensors, long nKv) {
        RawGguf r = new RawGguf();
        r.e.bytes(new byte[] {'G', 'G', 'U', 'F'});
        r.e.u32(version);
        r.e.u64(nTensors);
        r.e.u64(nKv);
        return r;
    }

    RawGguf u8(int v) {
        e.u8(v);
        return this;
    }

    RawGguf u32(int v) {
        e.u32(v);
        return this;
    }

    RawGguf u64(long v) {
        e.u64(v);
        return this;
    }

    RawGguf str(String s) {
        e.string(s);
        return this;
    }

    RawGguf kv(String key, GgufValue v) {
        e.string(key);
        e.typedValue(key, v);
        return this;
    }

    RawGguf tensor(String name, long[] ne, int ggmlType, long offset) {
        e.string(name);
        e.u32(ne.length);
        for (long d : ne) e.u64(d);
        e.u32(ggmlType);
        e.u64(offset);
        return this;
    }

    RawGguf padTo(int alignment) {
        e.zeros((int) (GgufParser.alignUp(e.size(), alignment) - e.size()));
        return this;
    }

    RawGguf zeros(int n) {
        e.zeros(n);
        return this;
    }

    byte[] bytes() {
        ByteBuffer b = e.toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    Path writeTo(Path p) throws IOException {
        return Files.write(p, bytes());
    }
}
