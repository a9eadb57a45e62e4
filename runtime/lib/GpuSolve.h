//===- GpuSolve.h - lds_solve on a GPU --------------------------*- C++ -*-===//
//
// See GpuSolve.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_GPUSOLVE_H
#define LDS_RUNTIME_GPUSOLVE_H

#include "lds/runtime.h"

namespace lds {

/// lds_solve's arguments, checked (but for the data they point to), with
/// the options resolved.
struct GpuSolveArgs {
  const lds_model *model;
  const void *const *params;
  const void *x0;
  const void *const *inputs;
  int64_t T, batch;
  void *states;
  lds_options options;
};

/// Solves on a GPU if the options and the model call for it. *handled
/// false: the caller solves on the CPU (LDS_DEVICE_CPU, or AUTO without a
/// usable GPU or GPU kernels for the solver), and lds_last_error() is as
/// before. Otherwise the solve's status; `stats` filled but for `seconds`.
lds_status solveOnGpu(const GpuSolveArgs &args, lds_stats &stats,
                      bool *handled);

/// LDS_ERR_NONFINITE naming the first non-finite value of the host copy
/// `guess` of opts->initial_guess.
lds_status checkInitialGuess(const lds_model *m, const void *guess, int64_t T,
                             int64_t batch);

} // namespace lds

#endif // LDS_RUNTIME_GPUSOLVE_H
