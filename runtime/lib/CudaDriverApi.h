//===- CudaDriverApi.h - the CUDA driver API, loaded with dlopen -*- C++
//-*-===//
//
// The few driver types and entry points the runtime uses, declared here so
// that building lds needs no CUDA toolkit and running it needs no GPU:
// libcuda.so.1 is opened at run time, once per process. The values below
// are those of cuda.h (CUDA 12 and 13).
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_CUDADRIVERAPI_H
#define LDS_RUNTIME_CUDADRIVERAPI_H

#include "lds/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace lds {
namespace cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_INVALID_VALUE = 1;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_NO_DEVICE = 100;
constexpr int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR = 39;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_POINTER_ATTRIBUTE_MEMORY_TYPE = 2;
constexpr int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
constexpr unsigned CU_MEMORYTYPE_HOST = 1;
constexpr unsigned CU_MEMORYTYPE_DEVICE = 2;
constexpr unsigned CU_MEMORYTYPE_UNIFIED = 4;
constexpr unsigned CU_STREAM_NON_BLOCKING = 1;

/// The entry points; all set once load() succeeded.
struct DriverApi {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxGetCurrent)(CUcontext *);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxGetDevice)(CUdevice *);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncGetAttribute)(int *, int, CUfunction);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*cuMemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemsetD8Async)(CUdeviceptr, unsigned char, size_t, CUstream);
  CUresult (*cuPointerGetAttribute)(void *, int, CUdeviceptr);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuGetErrorName)(CUresult, const char **);
};

/// The process's driver: libcuda.so.1 opened and cuInit(0) called, once.
/// nullptr (with lds_last_error() set, status LDS_ERR_NO_DEVICE) if the
/// library, a symbol or a device is missing; `whyNot`, if given, then gets
/// the reason ("libcuda.so.1 not found (...)"). LDS_CUDA_DRIVER, if set,
/// names the library to open instead (tests point it at a missing file).
const DriverApi *driver(std::string *whyNot = nullptr);

/// `device`'s compute capability as "sm_XY" in `arch`.
CUresult deviceArch(const DriverApi &api, CUdevice device, char (&arch)[16]);

/// Records `what` failing with `r` ("lds_solve: <what>: CUDA error <name>:
/// <message>") and returns its status: LDS_ERR_OUT_OF_MEMORY for
/// CUDA_ERROR_OUT_OF_MEMORY, LDS_ERR_NO_DEVICE for CUDA_ERROR_NO_DEVICE,
/// LDS_ERR_DEVICE otherwise.
lds_status failCuda(const DriverApi &api, CUresult r, const char *what);

} // namespace cuda
} // namespace lds

#endif // LDS_RUNTIME_CUDADRIVERAPI_H
