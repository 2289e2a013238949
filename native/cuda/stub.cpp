// Stand-in for the CUDA backend when nvcc is absent: the same C ABI, reporting no devices,
// so the Java side can load and ask without a CUDA toolkit on the build machine.
#include "cortado/cuda.h"

#include <stdio.h>

extern "C" int cortado_cuda_compiled(void) { return 0; }
extern "C" int cortado_cuda_device_count(void) { return 0; }
extern "C" int cortado_cuda_device_name(int, char *buf, int64_t len) {
    if (len > 0) snprintf(buf, (size_t)len, "Cortado was built without CUDA (no nvcc)");
    return -1;
}
extern "C" const char *cortado_cuda_last_error(void) { return "Cortado was built without CUDA (no nvcc)"; }
