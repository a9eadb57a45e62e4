//===- GpuTestUtil.h - environment and solves for the GPU tests -*- C++ -*-===//
//
// Scoped environment variables (the emulator switch LDS_GPU_EMULATE, the
// chunk size LDS_GPU_CHUNK_ROWS, the driver's library LDS_CUDA_DRIVER) and
// a solve of a test model that keeps what the checks need.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TEST_GPU_GPUTESTUTIL_H
#define LDS_TEST_GPU_GPUTESTUTIL_H

#include "ScopedEnv.h"
#include "TestModels.h"

#include <cstdlib>
#include <string>

namespace lds_test {

template <class T> struct GpuResult {
  lds_status status = LDS_ERR_INTERNAL;
  lds_stats stats{};
  std::vector<T> states;
  std::string error;
};

template <class M, class T>
GpuResult<T> solveWith(const lds_model &m, const Data<M, T> &data,
                       const lds_options &o) {
  GpuResult<T> r;
  r.states.assign(data.batch * data.T_ * M::D, T(-12345));
  r.status = lds_solve(&m, data.paramArg(), data.x0.data(), data.inputArg(),
                       data.T_, data.batch, r.states.data(), &o, &r.stats);
  r.error = lds_last_error();
  return r;
}

inline lds_options gpuOptions(lds_solver s) {
  lds_options o = lds_default_options();
  o.solver = s;
  o.device = LDS_DEVICE_CUDA;
  return o;
}

} // namespace lds_test

#endif // LDS_TEST_GPU_GPUTESTUTIL_H
