//===- CudaExecutor.h - the GPU side of a solve -----------------*- C++ -*-===//
//
// The Executor (Executor.h) that runs a model's GPU kernels (model_abi.h,
// "GPU kernels") on a GpuBackend: the CUDA driver, or the host emulator.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_CUDAEXECUTOR_H
#define LDS_RUNTIME_CUDAEXECUTOR_H

#include "Executor.h"
#include "GpuBackend.h"

namespace lds {

/// An Executor on a GPU. The caller's pointers may be host or device
/// memory; the final rows live in a device copy of `states` (the caller's
/// own buffer when it is device memory) until finish() copies them back.
class GpuExecutor : public Executor {
public:
  /// Waits for the device and copies the states to the caller's host
  /// buffer. Call after the iteration driver, whatever it returned.
  virtual lds_status finish() = 0;
};

/// The GPU executor for `p` on `backend` (which it owns from then on);
/// nullptr with *status and lds_last_error() set on failure.
GpuExecutor *createCudaExecutor(const Problem &p, GpuBackend *backend,
                                lds_status *status);

/// True if the model's GPU kernels cover `s` and every solver that may take
/// over from it (the fallback chain down to the sequential kernel).
bool gpuSolverChainAvailable(const lds_model *m, lds_solver s);

/// The lanes the GPU's sequential pass gives a sequence: D where the model
/// has channel kernels (and LDS_GPU_CHANNELS is not 0), else 1.
int64_t gpuSequentialLanes(const lds_model *m);

/// The host view of `bytes` of caller data at `p` for the argument checks:
/// `p` itself if it is host memory, else a copy in `scratch`.
lds_status hostView(GpuBackend &backend, const void *p, int64_t bytes,
                    void **scratch, const void **out);

} // namespace lds

#endif // LDS_RUNTIME_CUDAEXECUTOR_H
