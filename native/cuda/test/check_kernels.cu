// Standalone check of the CUDA kernels against the CPU kernels (in the style of ggml's
// test-backend-ops): random inputs over odd sizes, the CPU kernel and the CUDA kernel on the same
// inputs, one line per case with the normalised error max|cuda - cpu| / max|cpu| against a bound.
// Then the matmul throughput at a Llama-3.2-1B shape (C = 2048, OC = 8192, T = 1 and 512).
//
//   build/cuda/check_kernels [--no-bench] [--bench-only] [--require-gpu] [FILTER]
//
// FILTER keeps the cases whose name contains it (e.g. "matmul q4_k", "attention").
// Exit status: 0 when every case passes or when there is no GPU ("no CUDA device: skipped"),
// 1 when a case fails, 2 when a CUDA call fails; --require-gpu turns "no device" into exit 3
// (a GPU machine whose driver is older than the CUDA 13 runtime linked in reports no device). Host code only: it drives the GPU through
// Cortado's own C API (cortado/cuda.h), so it also checks the host helpers the backend uses.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "cortado/cuda.h"
#include "cortado/kernels.h"

// ---- plumbing -------------------------------------------------------------------------------------

static void check_rc(int rc, const char *what) {
    if (rc != 0) {
        fprintf(stderr, "CUDA call failed: %s: %s\n", what, cortado_cuda_last_error());
        exit(2);
    }
}
#define CK(call) check_rc((call), #call)

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next_u64() {  // splitmix64
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static float uniform(float lo, float hi) { return lo + (hi - lo) * (float)((next_u64() >> 40) * (1.0 / 16777216.0)); }
static std::vector<float> randoms(size_t n, float lo = -1.0f, float hi = 1.0f) {
    std::vector<float> v(n);
    for (auto &x : v) x = uniform(lo, hi);
    return v;
}

// A device buffer that frees itself.
struct Dev {
    void *p = nullptr;
    size_t bytes = 0;
    explicit Dev(size_t n) : bytes(n) {
        p = cortado_cuda_malloc((int64_t)n);
        if (!p) check_rc(-1, "cortado_cuda_malloc");
    }
    template <class T>
    explicit Dev(const std::vector<T> &v) : Dev(v.size() * sizeof(T)) {
        CK(cortado_cuda_memcpy_h2d(p, v.data(), (int64_t)bytes, nullptr));
    }
    ~Dev() { cortado_cuda_free(p); }
    Dev(const Dev &) = delete;
    Dev &operator=(const Dev &) = delete;
    float *f() const { return (float *)p; }
    std::vector<float> floats() const {
        std::vector<float> v(bytes / sizeof(float));
        CK(cortado_cuda_memcpy_d2h(v.data(), p, (int64_t)bytes, nullptr));
        CK(cortado_cuda_stream_synchronize(nullptr));
        return v;
    }
};

static int failures = 0, cases = 0;
static const char *filter = nullptr;
static bool wanted(const std::string &name) { return !filter || name.find(filter) != std::string::npos; }

static double norm_error(const std::vector<float> &gpu, const std::vector<float> &cpu) {
    double maxdiff = 0, maxref = 0;
    for (size_t i = 0; i < cpu.size(); i++) {
        double d = fabs((double)gpu[i] - (double)cpu[i]);
        if (!(d == d)) d = INFINITY;  // NaN counts as failure
        maxdiff = d > maxdiff ? d : maxdiff;
        maxref = fabs(cpu[i]) > maxref ? fabs(cpu[i]) : maxref;
    }
    return maxref > 0 ? maxdiff / maxref : maxdiff;
}

static void report(const std::string &name, double err, double bound) {
    cases++;
    bool ok = err <= bound;
    if (!ok) failures++;
    printf("%s %-52s err %.2e <= %.0e\n", ok ? "PASS" : "FAIL", name.c_str(), err, bound);
    fflush(stdout);
}

static uint16_t half_of(float f) {
    uint16_t h;
    convert_f32_to_f16(&f, &h, 1, 1);
    return h;
}
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

// ---- weights in every format, random but well-scaled ---------------------------------------------

struct WType {
    const char *name;
    int qk;  // C must be a multiple of this
    int64_t (*row_bytes)(int64_t C);
    void (*cpu)(const void *, const float *, float *, int64_t, int64_t, int64_t, int);
    int (*gpu)(const void *, const float *, float *, int64_t, int64_t, int64_t, void *);
};

static int64_t nf4_row_bytes(int64_t C) { return 8 * ((C / 64 + 255) / 256) + 33 * (C / 64); }

static const WType TYPES[] = {
    {"f32", 1, [](int64_t C) { return 4 * C; }, matmul_forward_f32, cuda_matmul_forward_f32},
    {"f16", 1, [](int64_t C) { return 2 * C; }, matmul_forward_f16, cuda_matmul_forward_f16},
    {"bf16", 1, [](int64_t C) { return 2 * C; }, matmul_forward_bf16, cuda_matmul_forward_bf16},
    {"q8_0", 32, [](int64_t C) { return C / 32 * 34; }, matmul_forward_q8_0, cuda_matmul_forward_q8_0},
    {"q4_0", 32, [](int64_t C) { return C / 32 * 18; }, matmul_forward_q4_0, cuda_matmul_forward_q4_0},
    {"q4_k", 256, [](int64_t C) { return C / 256 * 144; }, matmul_forward_q4_k, cuda_matmul_forward_q4_k},
    {"q6_k", 256, [](int64_t C) { return C / 256 * 210; }, matmul_forward_q6_k, cuda_matmul_forward_q6_k},
    {"nf4", 64, nf4_row_bytes, matmul_forward_nf4, cuda_matmul_forward_nf4},
};

static std::vector<uint8_t> random_weights(const WType &t, int64_t OC, int64_t C) {
    const int64_t rb = t.row_bytes(C);
    std::vector<uint8_t> w((size_t)(OC * rb));
    for (auto &b : w) b = (uint8_t)next_u64();  // random payload; the scales are set below
    const std::string n = t.name;
    for (int64_t o = 0; o < OC; o++) {
        uint8_t *row = w.data() + o * rb;
        if (n == "f32") {
            std::vector<float> v = randoms((size_t)C);
            memcpy(row, v.data(), 4 * C);
        } else if (n == "f16" || n == "bf16") {
            std::vector<float> v = randoms((size_t)C);
            if (n == "f16") convert_f32_to_f16(v.data(), (uint16_t *)row, C, 1);
            else convert_f32_to_bf16(v.data(), (uint16_t *)row, C, 1);
        } else if (n == "q8_0") {
            for (int64_t b = 0; b < C / 32; b++) put16(row + 34 * b, half_of(uniform(0.001f, 0.01f)));
        } else if (n == "q4_0") {
            for (int64_t b = 0; b < C / 32; b++) put16(row + 18 * b, half_of(uniform(0.01f, 0.1f)));
        } else if (n == "q4_k") {
            for (int64_t b = 0; b < C / 256; b++) {
                put16(row + 144 * b, half_of(uniform(0.001f, 0.01f)));
                put16(row + 144 * b + 2, half_of(uniform(0.001f, 0.01f)));
            }
        } else if (n == "q6_k") {
            for (int64_t b = 0; b < C / 256; b++) put16(row + 210 * b + 208, half_of(uniform(0.0001f, 0.001f)));
        } else if (n == "nf4") {
            const int64_t ng = (C / 64 + 255) / 256, nb = C / 64;
            for (int64_t g = 0; g < ng; g++) {
                float scale = uniform(0.001f, 0.01f), offset = uniform(0.0f, 0.1f);
                memcpy(row + 8 * g, &scale, 4);
                memcpy(row + 8 * g + 4, &offset, 4);
            }
            for (int64_t b = 0; b < nb; b++) row[8 * ng + b] = (uint8_t)(int8_t)(int)uniform(-127.0f, 127.0f);
        }
    }
    return w;
}

// ---- matmul ---------------------------------------------------------------------------------------

static void check_matmul(const WType &t, int64_t T, int64_t C, int64_t OC) {
    char name[128];
    snprintf(name, sizeof name, "matmul %s T=%ld C=%ld OC=%ld", t.name, (long)T, (long)C, (long)OC);
    if (!wanted(name)) return;
    std::vector<uint8_t> w = random_weights(t, OC, C);
    std::vector<float> x = randoms((size_t)(T * C)), ref((size_t)(T * OC));
    t.cpu(w.data(), x.data(), ref.data(), T, C, OC, cortado_cpu_threads());
    Dev dw(w), dx(x), dy(ref.size() * sizeof(float));
    CK(cortado_cuda_memset(dy.p, 0xFF, (int64_t)dy.bytes, nullptr));  // NaNs: every output must be written
    CK(t.gpu(dw.p, dx.f(), dy.f(), T, C, OC, nullptr));
    // T <= 8: float FMAs in another order; T > 8: TF32 tensor cores (see cuda.h)
    report(name, norm_error(dy.floats(), ref), T <= 8 ? 1e-4 : 2e-3);
}

static void bench_matmul(const WType &t, int64_t T, int64_t C, int64_t OC) {
    char name[128];
    snprintf(name, sizeof name, "bench matmul %s T=%ld C=%ld OC=%ld", t.name, (long)T, (long)C, (long)OC);
    if (!wanted(name)) return;
    std::vector<uint8_t> w = random_weights(t, OC, C);
    Dev dw(w), dx(randoms((size_t)(T * C))), dy((size_t)(T * OC) * sizeof(float));
    void *e0 = cortado_cuda_event_create(), *e1 = cortado_cuda_event_create();
    for (int i = 0; i < 3; i++) CK(t.gpu(dw.p, dx.f(), dy.f(), T, C, OC, nullptr));
    const int iters = T == 1 ? 200 : 20;
    CK(cortado_cuda_event_record(e0, nullptr));
    for (int i = 0; i < iters; i++) CK(t.gpu(dw.p, dx.f(), dy.f(), T, C, OC, nullptr));
    CK(cortado_cuda_event_record(e1, nullptr));
    CK(cortado_cuda_event_synchronize(e1));
    float ms = 0;
    CK(cortado_cuda_event_elapsed_ms(e0, e1, &ms));
    const double s = ms / 1e3 / iters;
    const double bytes = (double)w.size() + 4.0 * (T * C + T * OC);
    printf("BENCH %-46s %9.1f us %8.1f GB/s %8.2f TFLOP/s\n", name + 6, s * 1e6, bytes / s / 1e9,
           2.0 * T * C * OC / s / 1e12);
    fflush(stdout);
    cortado_cuda_event_destroy(e0);
    cortado_cuda_event_destroy(e1);
}

// ---- the other forward ops ------------------------------------------------------------------------

static void check_rmsnorm(int64_t T, int64_t C) {
    std::string name = "rmsnorm T=" + std::to_string(T) + " C=" + std::to_string(C);
    if (!wanted(name)) return;
    std::vector<float> x = randoms((size_t)(T * C), -3, 3), w = randoms((size_t)C), out(x.size()), rstd((size_t)T);
    rmsnorm_forward_f32(out.data(), rstd.data(), x.data(), w.data(), T, C, 1e-5f, cortado_cpu_threads());
    Dev dx(x), dw(w), dr((size_t)T * 4);
    CK(cuda_rmsnorm_forward_f32(dx.f(), dr.f(), dx.f(), dw.f(), T, C, 1e-5f, nullptr));  // in place, as the model does
    report(name + " out", norm_error(dx.floats(), out), 1e-5);
    report(name + " rstd", norm_error(dr.floats(), rstd), 1e-5);
}

static void check_layernorm(int64_t T, int64_t C, bool bias) {
    std::string name = "layernorm T=" + std::to_string(T) + " C=" + std::to_string(C) + (bias ? " bias" : "");
    if (!wanted(name)) return;
    std::vector<float> x = randoms((size_t)(T * C), -2, 4), w = randoms((size_t)C), b = randoms((size_t)C);
    std::vector<float> out(x.size()), mean((size_t)T), rstd((size_t)T);
    layernorm_forward_f32(out.data(), mean.data(), rstd.data(), x.data(), w.data(), bias ? b.data() : nullptr, T, C,
                          1e-5f, cortado_cpu_threads());
    Dev dx(x), dw(w), db(b), dout(x.size() * 4), dm((size_t)T * 4), dr((size_t)T * 4);
    CK(cuda_layernorm_forward_f32(dout.f(), dm.f(), dr.f(), dx.f(), dw.f(), bias ? db.f() : nullptr, T, C, 1e-5f,
                                  nullptr));
    report(name + " out", norm_error(dout.floats(), out), 1e-5);
    report(name + " mean", norm_error(dm.floats(), mean), 1e-5);
    report(name + " rstd", norm_error(dr.floats(), rstd), 1e-5);
}

static void check_rope(int64_t T, int64_t H, int64_t D, bool factors, float freq_scale, int neox) {
    char name[128];
    snprintf(name, sizeof name, "rope T=%ld H=%ld D=%ld %s%s scale=%g", (long)T, (long)H, (long)D,
             neox ? "halves" : "pairs", factors ? " factors" : "", freq_scale);
    if (!wanted(name)) return;
    std::vector<float> x = randoms((size_t)(T * H * D)), ff = randoms((size_t)(D / 2), 1, 8);
    std::vector<int32_t> pos((size_t)T);
    for (auto &p : pos) p = (int32_t)(next_u64() % 4096);
    if (T > 1) pos[0] = 0;
    Dev dx(x), dp(pos), dff(ff);
    rope_forward_f32(x.data(), pos.data(), T, H, D, 500000.0f, freq_scale, factors ? ff.data() : nullptr, neox,
                     cortado_cpu_threads());
    CK(cuda_rope_forward_f32(dx.f(), (const int32_t *)dp.p, T, H, D, 500000.0f, freq_scale,
                             factors ? dff.f() : nullptr, neox, nullptr));
    // angles up to 4096 rad: CUDA's powf (2 ulp) against glibc's moves them by up to ~5e-4 rad
    report(name, norm_error(dx.floats(), x), 2e-3);
}

static void check_attention(int64_t T, int64_t pos, int64_t H, int64_t KVH, int64_t D) {
    char name[128];
    snprintf(name, sizeof name, "attention T=%ld pos=%ld H=%ld KVH=%ld D=%ld", (long)T, (long)pos, (long)H,
             (long)KVH, (long)D);
    if (!wanted(name)) return;
    const int64_t ctx = pos + T + 5;  // a cache longer than what is used
    std::vector<float> q = randoms((size_t)(T * H * D), -2, 2), k = randoms((size_t)(ctx * KVH * D), -2, 2),
                       v = randoms((size_t)(ctx * KVH * D));
    std::vector<float> out((size_t)(T * H * D)), lse((size_t)(T * H));
    attention_forward_f32(out.data(), lse.data(), q.data(), k.data(), v.data(), T, pos, H, KVH, D,
                          cortado_cpu_threads());
    Dev dq(q), dk(k), dv(v), dout(out.size() * 4), dl(lse.size() * 4);
    CK(cuda_attention_forward_f32(dout.f(), dl.f(), dq.f(), dk.f(), dv.f(), T, pos, H, KVH, D, nullptr));
    report(std::string(name) + " out", norm_error(dout.floats(), out), 1e-4);
    report(std::string(name) + " lse", norm_error(dl.floats(), lse), 1e-5);
}

static void check_elementwise(int64_t n) {
    std::string sn = std::to_string(n);
    std::vector<float> a = randoms((size_t)n, -6, 6), b = randoms((size_t)n, -2, 2), out((size_t)n);
    Dev da(a), db(b), dout((size_t)n * 4);
    if (wanted("swiglu n=" + sn)) {
        swiglu_forward_f32(out.data(), a.data(), b.data(), n, cortado_cpu_threads());
        CK(cuda_swiglu_forward_f32(dout.f(), da.f(), db.f(), n, nullptr));
        report("swiglu n=" + sn, norm_error(dout.floats(), out), 1e-6);
    }
    if (wanted("add n=" + sn)) {
        add_f32(out.data(), a.data(), b.data(), n, cortado_cpu_threads());
        CK(cuda_add_f32(dout.f(), da.f(), db.f(), n, nullptr));
        report("add n=" + sn, norm_error(dout.floats(), out), 0);
    }
}

static void check_softmax(int64_t T, int64_t V) {
    std::string name = "softmax T=" + std::to_string(T) + " V=" + std::to_string(V);
    if (!wanted(name)) return;
    std::vector<float> x = randoms((size_t)(T * V), -10, 10), out(x.size());
    softmax_forward_f32(out.data(), x.data(), T, V, cortado_cpu_threads());
    Dev dx(x);
    CK(cuda_softmax_forward_f32(dx.f(), dx.f(), T, V, nullptr));  // in place
    report(name, norm_error(dx.floats(), out), 1e-5);
}

static void check_bias_add(int64_t T, int64_t C) {
    std::string name = "bias_add T=" + std::to_string(T) + " C=" + std::to_string(C);
    if (!wanted(name)) return;
    std::vector<float> y = randoms((size_t)(T * C)), b = randoms((size_t)C);
    Dev dy(y), db(b);
    bias_add_forward_f32(y.data(), b.data(), T, C, cortado_cpu_threads());
    CK(cuda_bias_add_forward_f32(dy.f(), db.f(), T, C, nullptr));
    report(name, norm_error(dy.floats(), y), 0);
}

int main(int argc, char **argv) {
    bool bench = true, check = true, require = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-bench")) bench = false;
        else if (!strcmp(argv[i], "--require-gpu")) require = true;
        else if (!strcmp(argv[i], "--bench-only")) check = false;
        else filter = argv[i];
    }
    if (!cortado_cuda_compiled()) {
        printf("no CUDA device: skipped (Cortado's CUDA library is the stub: %s)\n", cortado_cuda_last_error());
        return require ? 3 : 0;
    }
    if (cortado_cuda_device_count() == 0) {
        const char *why = cortado_cuda_last_error();
        printf("no CUDA device: skipped%s%s%s\n", *why ? " (" : "", why, *why ? ")" : "");
        return require ? 3 : 0;
    }
    char dev[256];
    CK(cortado_cuda_device_name(0, dev, sizeof dev));
    // The CPU reference in its float path: AVX2 decodes with int8 products for T <= 3 (~1e-2).
    cortado_cpu_set_isa(CORTADO_ISA_GENERIC);
    printf("device 0: %s; CPU reference: %s kernels on %d threads\n", dev,
           cortado_cpu_isa() == CORTADO_ISA_GENERIC ? "generic (float)" : "avx2", cortado_cpu_threads());

    if (check) {
        for (const WType &t : TYPES) {
            std::vector<int64_t> Cs = t.qk == 1 ? std::vector<int64_t>{1, 67, 256, 4099} : std::vector<int64_t>{64, 256, 4352};
            for (int64_t C : Cs) {
                if (C % t.qk) continue;
                for (int64_t T : {1, 3, 7, 8, 9, 64, 100})
                    for (int64_t OC : {1, 17, 511}) check_matmul(t, T, C, OC);
            }
        }
        check_matmul(TYPES[7], 3, 64 * 300, 17);   // nf4 with two groups of block scales
        check_matmul(TYPES[7], 70, 64 * 300, 17);
        for (int64_t T : {1, 3, 7, 64})
            for (int64_t C : {64, 2048, 4099}) {
                check_rmsnorm(T, C);
                check_layernorm(T, C, true);
            }
        check_layernorm(7, 1000, false);
        for (int64_t D : {64, 80, 128})
            for (int64_t T : {1, 7, 64})
                for (int neox : {0, 1}) {
                    check_rope(T, 6, D, false, 1.0f, neox);
                    check_rope(T, 6, D, true, 0.25f, neox);
                }
        for (int64_t D : {64, 80, 128, 256})
            for (auto tp : std::vector<std::pair<int64_t, int64_t>>{{1, 0}, {1, 37}, {1, 1000}, {3, 65}, {7, 0},
                                                                     {7, 100}, {64, 0}, {64, 200}, {100, 33}})
                check_attention(tp.first, tp.second, 6, 2, D);
        check_attention(5, 10, 8, 8, 64);  // MHA
        check_attention(2, 3, 4, 1, 64);   // MQA
        for (int64_t n : {1, 1000, 100003}) check_elementwise(n);
        for (int64_t T : {1, 7})
            for (int64_t V : {1, 1000, 128256}) check_softmax(T, V);
        for (int64_t T : {1, 7})
            for (int64_t C : {64, 2049}) check_bias_add(T, C);
        printf("%d cases, %d failed\n", cases, failures);
    }
    if (bench) {
        for (const WType &t : TYPES)
            for (int64_t T : {1, 512}) bench_matmul(t, T, 2048, 8192);
    }
    return failures ? 1 : 0;
}
