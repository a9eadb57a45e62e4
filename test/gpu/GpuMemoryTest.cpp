//===- GpuMemoryTest.cpp - the runtime's device-memory counter ------------===//
//
// gpuMemoryUsage() (GpuBackend.h) counts the bytes the GPU backends hold:
// the benchmark's "peak GPU memory". Checked on the emulator (a solve that
// succeeds), through the CUDA driver backend (the fake libcuda of
// FakeCudaDriver.c: the solve allocates, then fails at its first launch
// and releases everything), and on a backend directly.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/lib/GpuBackend.h"
#include "GpuTestUtil.h"
#include "ReferenceGpuKernels.h"

#include <gtest/gtest.h>

#include <memory>

using namespace lds_test;

namespace {

/// Bytes a GPU solve of `data` cannot do without: the device copy of the
/// states, and for an iterative solver the second iterate.
template <class M, class T>
int64_t stateBytes(const Data<M, T> &data, int copies) {
  return copies * data.batch * data.T_ * M::D * int64_t(sizeof(T));
}

TEST(GpuMemory, EmulatorSolvePeakAndRelease) {
  ScopedEnv emulate("LDS_GPU_EMULATE", "1");
  auto model = buildModel<TanhRNN, float>();
  auto gpu = attachGpu<TanhRNN, float>(*model);
  Data<TanhRNN, float> data(300, 3, 21);
  int64_t before = lds::gpuMemoryUsage().current;

  lds::resetGpuMemoryPeak();
  GpuResult<float> seq =
      solveWith(model->m, data, gpuOptions(LDS_SOLVER_SEQUENTIAL));
  ASSERT_EQ(seq.status, LDS_OK) << seq.error;
  lds::GpuMemoryUsage afterSeq = lds::gpuMemoryUsage();
  EXPECT_EQ(afterSeq.current, before); // everything released
  // The states, x0, inputs and params: more than the states alone.
  EXPECT_GT(afterSeq.peak - before, stateBytes(data, 1));

  lds::resetGpuMemoryPeak();
  EXPECT_EQ(lds::gpuMemoryUsage().peak, before);
  GpuResult<float> it =
      solveWith(model->m, data, gpuOptions(LDS_SOLVER_PICARD));
  ASSERT_EQ(it.status, LDS_OK) << it.error;
  lds::GpuMemoryUsage afterIt = lds::gpuMemoryUsage();
  EXPECT_EQ(afterIt.current, before);
  // Two iterates, the stopping-test values and the chunk maps on top of
  // what the sequential solve held.
  EXPECT_GE(afterIt.peak - before, stateBytes(data, 2));
  EXPECT_GE(afterIt.peak - afterSeq.peak,
            stateBytes(data, 1) + data.batch * data.T_ * int64_t(4));
}

/// The fake driver under a name of its own: the runtime loads a library
/// once per name (GpuErrorTest.cpp uses ".", "./." and "././.").
std::string fakeDriver() {
  return std::string(LDS_FAKE_CUDA_DIR) + "/./././libfake_cuda_driver.so";
}

TEST(GpuMemory, CudaDriverBackendCounts) {
  ScopedEnv emulate("LDS_GPU_EMULATE", nullptr);
  ScopedEnv mode("LDS_FAKE_CUDA", "ok");
  std::string lib = fakeDriver();
  ScopedEnv driver("LDS_CUDA_DRIVER", lib.c_str());
  auto model = buildModel<TanhRNN, float>();
  static lds_gpu_image images[1] = {{"sm_90", 0, "not a cubin", 11}};
  static lds_gpu_module module{
      LDS_GPU_ABI_VERSION, 1, images, 256, {0, 0, 1, 1, 1, 1}};
  model->m.gpu = &module;
  Data<TanhRNN, float> data(100, 2, 9);
  int64_t before = lds::gpuMemoryUsage().current;

  // The fake device's launches fail: the solve has allocated its buffers
  // by then, and gives them all back.
  lds::resetGpuMemoryPeak();
  GpuResult<float> r =
      solveWith(model->m, data, gpuOptions(LDS_SOLVER_SEQUENTIAL));
  ASSERT_EQ(r.status, LDS_ERR_DEVICE) << r.error;
  lds::GpuMemoryUsage u = lds::gpuMemoryUsage();
  EXPECT_EQ(u.current, before);
  EXPECT_GT(u.peak - before, stateBytes(data, 1));

  // One backend's allocations, one by one.
  lds_status st = LDS_OK;
  std::unique_ptr<lds::GpuBackend> dev(
      lds::createCudaDriverBackend(&model->m, nullptr, &st));
  ASSERT_TRUE(dev) << lds_last_error();
  lds::resetGpuMemoryPeak();
  lds::DevPtr a = 0, b = 0;
  ASSERT_EQ(dev->allocate(1000, &a), LDS_OK);
  ASSERT_EQ(dev->allocate(24, &b), LDS_OK);
  EXPECT_EQ(lds::gpuMemoryUsage().current, before + 1024);
  dev->release(a);
  u = lds::gpuMemoryUsage();
  EXPECT_EQ(u.current, before + 24);
  EXPECT_EQ(u.peak, before + 1024);
  lds::resetGpuMemoryPeak();
  EXPECT_EQ(lds::gpuMemoryUsage().peak, before + 24);
  dev->release(b);
  dev->release(0); // nothing
  EXPECT_EQ(lds::gpuMemoryUsage().current, before);
}

} // namespace
