/*===- FakeCudaDriver.c - a libcuda stand-in for the error paths ---------===*
 *
 * Built as a shared library that the tests (GoogleTest, and lds-run's lit
 * tests as %fake_cuda_driver) load through LDS_CUDA_DRIVER in place of
 * libcuda.so.1, to reach the runtime's CUDA error handling without a GPU.
 * LDS_FAKE_CUDA picks the failure:
 *   nodevice  cuInit fails with CUDA_ERROR_NO_DEVICE
 *   noattr    cuDeviceGetAttribute fails with CUDA_ERROR_INVALID_VALUE
 *   oom       cuMemAlloc fails with CUDA_ERROR_OUT_OF_MEMORY
 *   badptx    cuModuleLoadData fails with CUDA_ERROR_INVALID_PTX
 *   nofuncattr  cuFuncGetAttribute fails with CUDA_ERROR_INVALID_VALUE
 *   fewthreads  every kernel allows 16 threads a block
 * Otherwise a device sm_90 (LDS_FAKE_CUDA_CC=75 makes it sm_75) with host
 * memory as "device" memory; modules and launches are not emulated (a
 * launch fails with CUDA_ERROR_LAUNCH_FAILED).
 *===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;

static int mode(const char *name) {
  const char *v = getenv("LDS_FAKE_CUDA");
  return v && strcmp(v, name) == 0;
}

CUresult cuInit(unsigned flags) {
  (void)flags;
  return mode("nodevice") ? 100 : 0;
}
CUresult cuDeviceGetCount(int *n) {
  *n = 1;
  return 0;
}
CUresult cuDeviceGet(int *d, int ordinal) {
  *d = ordinal;
  return 0;
}
CUresult cuDeviceGetAttribute(int *v, int attribute, int device) {
  (void)device;
  if (mode("noattr"))
    return 1;
  const char *cc = getenv("LDS_FAKE_CUDA_CC");
  int capability = cc && *cc ? atoi(cc) : 90;
  *v = attribute == 75   ? capability / 10
       : attribute == 76 ? capability % 10
       : attribute == 16 ? 2
                         : 64;
  return 0;
}
static int context;
CUresult cuDevicePrimaryCtxRetain(void **ctx, int device) {
  (void)device;
  *ctx = &context;
  return 0;
}
static void *current;
CUresult cuCtxGetCurrent(void **ctx) {
  *ctx = current;
  return 0;
}
CUresult cuCtxSetCurrent(void *ctx) {
  current = ctx;
  return 0;
}
CUresult cuCtxGetDevice(int *d) {
  *d = 0;
  return 0;
}
static int stream;
CUresult cuStreamCreate(void **s, unsigned flags) {
  (void)flags;
  *s = &stream;
  return 0;
}
CUresult cuStreamDestroy_v2(void *s) {
  (void)s;
  return 0;
}
CUresult cuStreamSynchronize(void *s) {
  (void)s;
  return 0;
}
static int module;
CUresult cuModuleLoadData(void **m, const void *image) {
  (void)image;
  if (mode("badptx"))
    return 218;
  *m = &module;
  return 0;
}
CUresult cuModuleGetFunction(void **f, void *m, const char *name) {
  (void)m;
  (void)name;
  *f = &module;
  return 0;
}
CUresult cuFuncGetAttribute(int *v, int attribute, void *f) {
  (void)f;
  if (mode("nofuncattr"))
    return 1;
  /* MAX_THREADS_PER_BLOCK */
  *v = attribute != 0 ? 0 : mode("fewthreads") ? 16 : 1024;
  return 0;
}
CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned shared,
                        void *s, void **params, void **extra) {
  (void)f, (void)gx, (void)gy, (void)gz, (void)bx, (void)by, (void)bz;
  (void)shared, (void)s, (void)params, (void)extra;
  return 719;
}
CUresult cuMemAlloc_v2(uint64_t *p, size_t bytes) {
  if (mode("oom"))
    return 2;
  *p = (uint64_t)(uintptr_t)malloc(bytes);
  return 0;
}
CUresult cuMemFree_v2(uint64_t p) {
  free((void *)(uintptr_t)p);
  return 0;
}
CUresult cuMemcpyHtoDAsync_v2(uint64_t d, const void *h, size_t n, void *s) {
  (void)s;
  memmove((void *)(uintptr_t)d, h, n);
  return 0;
}
CUresult cuMemcpyDtoHAsync_v2(void *h, uint64_t d, size_t n, void *s) {
  (void)s;
  memmove(h, (const void *)(uintptr_t)d, n);
  return 0;
}
CUresult cuMemcpyDtoDAsync_v2(uint64_t d, uint64_t src, size_t n, void *s) {
  (void)s;
  memmove((void *)(uintptr_t)d, (const void *)(uintptr_t)src, n);
  return 0;
}
CUresult cuMemsetD8Async(uint64_t d, unsigned char v, size_t n, void *s) {
  (void)s;
  memset((void *)(uintptr_t)d, v, n);
  return 0;
}
CUresult cuPointerGetAttribute(void *out, int attribute, uint64_t p) {
  (void)out, (void)attribute, (void)p;
  return 1; /* every pointer is host memory the driver does not know */
}
CUresult cuGetErrorString(CUresult r, const char **s) {
  *s = r == 1     ? "invalid argument"
       : r == 2   ? "out of memory"
       : r == 100 ? "no CUDA-capable device is detected"
       : r == 218 ? "a PTX JIT compilation failed"
       : r == 719 ? "unspecified launch failure"
                  : "unknown error";
  return 0;
}
CUresult cuGetErrorName(CUresult r, const char **s) {
  *s = r == 1     ? "CUDA_ERROR_INVALID_VALUE"
       : r == 2   ? "CUDA_ERROR_OUT_OF_MEMORY"
       : r == 100 ? "CUDA_ERROR_NO_DEVICE"
       : r == 218 ? "CUDA_ERROR_INVALID_PTX"
       : r == 719 ? "CUDA_ERROR_LAUNCH_FAILED"
                  : "CUDA_ERROR_UNKNOWN";
  return 0;
}
