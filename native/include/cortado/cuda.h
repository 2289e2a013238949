// Cortado's C ABI for the CUDA backend. Built from native/cuda/*.cu by nvcc when it is
// present (with the static CUDA runtime folded in), otherwise from native/cuda/stub.cpp,
// which has the same functions and reports that CUDA is not compiled in.
#ifndef CORTADO_CUDA_H
#define CORTADO_CUDA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// 1 when this library was compiled by nvcc, 0 for the stub.
int cortado_cuda_compiled(void);
// Number of usable devices; 0 when there is no driver or no GPU (never fails).
int cortado_cuda_device_count(void);
// Writes a one-line description of the last error or of the device into buf (NUL-terminated).
// Returns 0 on success, a CUDA error code (or -1 for the stub) otherwise.
int cortado_cuda_device_name(int device, char *buf, int64_t len);
// The error string of the most recent failing call, or "" when none.
const char *cortado_cuda_last_error(void);

#ifdef __cplusplus
}
#endif

#endif
