// Read bandwidth for tools/bench/generate.sh: sums a 1 GiB buffer (far beyond L3) with N OpenMP threads,
// best of 5 passes, in GB/s (1e9 bytes), on 2 MiB transparent huge pages (madvise), as the engine keeps
// its weights (WeightArena). Under a hypervisor each TLB miss walks two page tables, so the same sum on
// 4 KB pages (`readbw N 4k`; 25-29 GB/s on this VM against 30-31) measures the page walks more than the
// memory, and would lower the bound a decoder is held to.
// Build: cc -O3 -march=native -fopenmp readbw.c -o readbw
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static long long total;

static double best_pass(int huge) {
    size_t n = (size_t)1 << 30;
    char *buf = aligned_alloc((size_t)2 << 20, n);
    if (!buf) {
        perror("readbw");
        exit(1);
    }
#ifdef MADV_HUGEPAGE
    if (huge) madvise(buf, n, MADV_HUGEPAGE);
#endif
#ifdef MADV_NOHUGEPAGE
    if (!huge) madvise(buf, n, MADV_NOHUGEPAGE);
#endif
    memset(buf, 1, n);
    double best = 0;
    for (int pass = 0; pass < 5; pass++) {
        double t0 = omp_get_wtime();
        long long sum = 0;
#pragma omp parallel for reduction(+ : sum) schedule(static)
        for (size_t i = 0; i < n; i += 256) {
            __m256i a = _mm256_load_si256((const __m256i *)(buf + i));
            for (int j = 32; j < 256; j += 32) a = _mm256_add_epi64(a, _mm256_load_si256((const __m256i *)(buf + i + j)));
            sum += _mm256_extract_epi64(a, 0) + _mm256_extract_epi64(a, 3);
        }
        double dt = omp_get_wtime() - t0;
        total += sum;
        if (n / dt / 1e9 > best) best = n / dt / 1e9;
    }
    free(buf);
    return best;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    omp_set_num_threads(threads);
    const int huge = !(argc > 2 && strcmp(argv[2], "4k") == 0);
    const double gbps = best_pass(huge);
    printf("readbw threads=%d gbps=%.2f (%s pages; checksum %lld)\n", threads, gbps, huge ? "2 MiB" : "4 KB", total & 1);
    return 0;
}
