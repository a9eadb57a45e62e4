//===- GpuErrorTest.cpp - LDS_DEVICE_CUDA's error paths -------------------===//
//
// Every way a GPU solve can fail before or while it runs, with its exact
// message: no GPU kernels in the model, a GPU module this runtime cannot
// read, no libcuda, no device, no image for the device, and CUDA errors
// (through FakeCudaDriver.c, a libcuda stand-in loaded with
// LDS_CUDA_DRIVER) mapped to LDS_ERR_OUT_OF_MEMORY and LDS_ERR_DEVICE with
// the driver's message; and probeGpu, which tells the same causes without
// failing, and the table of the emulator's hooks.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/lib/GpuBackend.h"
#include "GpuTestUtil.h"
#include "ReferenceGpuKernels.h"
#include "lds/gpu_emulator_hooks.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <set>

using namespace lds_test;

namespace {

struct Fixture {
  std::unique_ptr<BuiltModel> model = buildModel<TanhRNN, float>();
  Data<TanhRNN, float> data{100, 2, 9};
  lds_gpu_image images[2] = {{"sm_80", 0, "not a cubin", 11},
                             {"host", 2, nullptr, 0}};
  lds_gpu_module module{
      LDS_GPU_ABI_VERSION, 1, images, 256, {0, 0, 1, 1, 1, 1}};

  Fixture() { model->m.gpu = &module; }
  GpuResult<float> solve(lds_solver s = LDS_SOLVER_AUTO) {
    return solveWith(model->m, data, gpuOptions(s));
  }
};

TEST(GpuErrors, NoGpuKernels) {
  Fixture f;
  f.model->m.gpu = nullptr;
  GpuResult<float> r = f.solve();
  EXPECT_EQ(r.status, LDS_ERR_NO_DEVICE);
  EXPECT_EQ(r.error, "lds_solve: no GPU kernels in model 'tanh_rnn' (compile "
                     "it with --target=cuda or --target=all)");
}

TEST(GpuErrors, UnreadableModule) {
  Fixture f;
  f.module.abi_version = 7;
  GpuResult<float> r = f.solve();
  EXPECT_EQ(r.status, LDS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(r.error, "lds_solve: model 'tanh_rnn' has GPU kernels of GPU ABI "
                     "version 7; this runtime reads version 5 (recompile the "
                     "model)");
  f.module.abi_version = LDS_GPU_ABI_VERSION;
  f.module.scan_block = 48;
  r = f.solve();
  EXPECT_EQ(r.status, LDS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(r.error, "lds_solve: model 'tanh_rnn' has a GPU scan block of 48 "
                     "threads (want a multiple of 32 in [32, 1024])");
  f.module.scan_block = 256;
  f.module.iterate_block[LDS_SOLVER_PICARD] = 100;
  r = f.solve();
  EXPECT_EQ(r.status, LDS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(r.error,
            "lds_solve: model 'tanh_rnn' has an iterate block of 100 "
            "threads for solver picard (want 0, or a multiple of 32 in "
            "[32, 1024] for a solver with GPU kernels)");
  f.module.iterate_block[LDS_SOLVER_PICARD] = 0;
  // Cooperative blocks need scratch, and no iterate kernel beside them.
  f.module.coop_block[LDS_SOLVER_PICARD] = 64;
  r = f.solve();
  EXPECT_EQ(r.status, LDS_ERR_INVALID_ARGUMENT);
  const char *coopError =
      "lds_solve: model 'tanh_rnn' has cooperative blocks of %d threads and "
      "%d bytes of scratch for solver picard (want 0 and 0, or a multiple "
      "of 32 in [32, 1024] and a positive multiple of 64 for a solver with "
      "GPU kernels and no iterate kernel)";
  char expected[512];
  std::snprintf(expected, sizeof(expected), coopError, 64, 0);
  EXPECT_EQ(r.error, expected);
  f.module.coop_block[LDS_SOLVER_PICARD] = 0;
  f.module.coop_scratch[LDS_SOLVER_PICARD] = 128;
  r = f.solve();
  EXPECT_EQ(r.status, LDS_ERR_INVALID_ARGUMENT);
  std::snprintf(expected, sizeof(expected), coopError, 0, 128);
  EXPECT_EQ(r.error, expected);
  f.module.coop_block[LDS_SOLVER_PICARD] = 48;
  r = f.solve();
  std::snprintf(expected, sizeof(expected), coopError, 48, 128);
  EXPECT_EQ(r.error, expected);
  f.module.coop_block[LDS_SOLVER_PICARD] = 0;
  f.module.coop_scratch[LDS_SOLVER_PICARD] = 0;
  // Channel flags: 0, 1, or 2 (channel kernels only) for a solver with GPU
  // kernels and no row iterate kernel; a channel iterate block beside them.
  const char *channelError =
      "lds_solve: model 'tanh_rnn' has channel kernels flag %d and a channel "
      "iterate block of %d threads for %s (want a flag of 0 or 1, or 2 for a "
      "solver with GPU kernels but no row iterate or cooperative kernels; and "
      "a block of 0, or a multiple of 32 in [32, 1024] beside a solver's "
      "channel kernels)";
  struct Case {
    lds_solver solver;
    int32_t channels, block, iterateBlock;
  };
  for (Case c :
       {Case{LDS_SOLVER_PICARD, 3, 0, 0}, Case{LDS_SOLVER_SEQUENTIAL, 2, 0, 0},
        Case{LDS_SOLVER_PICARD, 2, 0, 128}, Case{LDS_SOLVER_NEWTON, 1, 0, 0},
        Case{LDS_SOLVER_PICARD, 0, 128, 0}, Case{LDS_SOLVER_PICARD, 1, 48, 0},
        Case{LDS_SOLVER_SEQUENTIAL, 1, 128, 0}}) {
    f.module.channels[c.solver] = c.channels;
    f.module.channel_iterate_block[c.solver] = c.block;
    f.module.iterate_block[c.solver] = c.iterateBlock;
    int32_t hasNewton = f.module.has_solver[LDS_SOLVER_NEWTON];
    if (c.solver == LDS_SOLVER_NEWTON)
      f.module.has_solver[LDS_SOLVER_NEWTON] = 0;
    r = f.solve();
    EXPECT_EQ(r.status, LDS_ERR_INVALID_ARGUMENT);
    std::snprintf(expected, sizeof(expected), channelError, c.channels, c.block,
                  lds_solver_name(c.solver));
    EXPECT_EQ(r.error, expected);
    f.module.channels[c.solver] = f.module.channel_iterate_block[c.solver] =
        f.module.iterate_block[c.solver] = 0;
    f.module.has_solver[LDS_SOLVER_NEWTON] = hasNewton;
  }
}

TEST(GpuErrors, NoDriver) {
  Fixture f;
  ScopedEnv emulate("LDS_GPU_EMULATE", nullptr);
  ScopedEnv driver("LDS_CUDA_DRIVER", "/nonexistent/libcuda.so.1");
  GpuResult<float> r = f.solve();
  EXPECT_EQ(r.status, LDS_ERR_NO_DEVICE);
  EXPECT_EQ(r.error, "lds_solve: no usable GPU: /nonexistent/libcuda.so.1 not "
                     "found (no NVIDIA driver on this machine)");
  EXPECT_EQ(r.stats.device, LDS_DEVICE_AUTO); // never chosen
}

/// The fake driver under a name of its own per test: the runtime loads a
/// library once per name.
std::string fakeDriver(const char *tag) {
  return std::string(LDS_FAKE_CUDA_DIR) + "/" + tag + "/libfake_cuda_driver.so";
}

TEST(GpuErrors, NoDevice) {
  Fixture f;
  ScopedEnv emulate("LDS_GPU_EMULATE", nullptr);
  ScopedEnv mode("LDS_FAKE_CUDA", "nodevice");
  std::string lib = fakeDriver(".");
  ScopedEnv driver("LDS_CUDA_DRIVER", lib.c_str());
  GpuResult<float> r = f.solve();
  EXPECT_EQ(r.status, LDS_ERR_NO_DEVICE);
  EXPECT_EQ(r.error, "lds_solve: no usable GPU: cuInit: no CUDA-capable device "
                     "is detected");
}

TEST(GpuErrors, NoImageForTheDevice) {
  Fixture f; // a cubin for sm_80 only; the fake device is sm_90
  ScopedEnv emulate("LDS_GPU_EMULATE", nullptr);
  ScopedEnv mode("LDS_FAKE_CUDA", "ok");
  std::string lib = fakeDriver("./.");
  ScopedEnv driver("LDS_CUDA_DRIVER", lib.c_str());
  GpuResult<float> r = f.solve();
  EXPECT_EQ(r.status, LDS_ERR_NO_DEVICE);
  EXPECT_EQ(r.error, "lds_solve: model 'tanh_rnn' has no GPU image for sm_90 "
                     "(neither a cubin for it nor PTX)");
}

TEST(GpuErrors, CudaErrorsCarryTheDriversMessage) {
  ScopedEnv emulate("LDS_GPU_EMULATE", nullptr);
  std::string lib = fakeDriver("././.");
  ScopedEnv driver("LDS_CUDA_DRIVER", lib.c_str());
  {
    Fixture f;
    f.images[0].arch = "sm_90";
    ScopedEnv mode("LDS_FAKE_CUDA", "oom");
    GpuResult<float> r = f.solve();
    EXPECT_EQ(r.status, LDS_ERR_OUT_OF_MEMORY);
    // The first allocation: x0, 2 x 3 floats.
    EXPECT_EQ(r.error, "lds_solve: cuMemAlloc of 24 bytes: CUDA error 2 "
                       "CUDA_ERROR_OUT_OF_MEMORY: out of memory");
    EXPECT_EQ(r.stats.device, LDS_DEVICE_CUDA);
  }
  {
    // Module handles are cached per model: a module of its own.
    static Fixture f;
    f.images[0] = {"compute_80", 1, "// not PTX", 11};
    ScopedEnv mode("LDS_FAKE_CUDA", "badptx");
    GpuResult<float> r = f.solve(LDS_SOLVER_NEWTON);
    EXPECT_EQ(r.status, LDS_ERR_DEVICE);
    EXPECT_EQ(r.error, "lds_solve: cuModuleLoadData (PTX image compute_80): "
                       "CUDA error 218 CUDA_ERROR_INVALID_PTX: a PTX JIT "
                       "compilation failed");
  }
  {
    static Fixture f;
    f.images[0].arch = "sm_90";
    ScopedEnv mode("LDS_FAKE_CUDA", "ok");
    GpuResult<float> r = f.solve(LDS_SOLVER_NEWTON);
    EXPECT_EQ(r.status, LDS_ERR_DEVICE);
    EXPECT_EQ(r.error, "lds_solve: cuLaunchKernel of "
                       "lds_gpu_tanh_rnn_newton_reduce: CUDA error 719 "
                       "CUDA_ERROR_LAUNCH_FAILED: unspecified launch failure");
    r = f.solve(LDS_SOLVER_SEQUENTIAL);
    EXPECT_EQ(r.status, LDS_ERR_DEVICE);
    EXPECT_EQ(r.error, "lds_solve: cuLaunchKernel of "
                       "lds_gpu_tanh_rnn_sequential: CUDA error 719 "
                       "CUDA_ERROR_LAUNCH_FAILED: unspecified launch failure");
  }
}

TEST(GpuErrors, MissingKernel) {
  ScopedEnv emulate("LDS_GPU_EMULATE", "1");
  auto model = buildModel<TanhRNN, float>();
  auto gpu = attachGpu<TanhRNN, float>(*model);
  gpu->table.erase(gpu->table.begin()); // the sequential kernel
  gpu->image.size = int64_t(gpu->table.size());
  gpu->image.data = gpu->table.data();
  Data<TanhRNN, float> data(10, 1, 1);
  GpuResult<float> r =
      solveWith(model->m, data, gpuOptions(LDS_SOLVER_SEQUENTIAL));
  EXPECT_EQ(r.status, LDS_ERR_DEVICE);
  EXPECT_EQ(r.error, "lds_solve: GPU emulator: kernel "
                     "'lds_gpu_tanh_rnn_sequential' is not in the model's "
                     "host image");
}

TEST(GpuProbe, TellsWhyThereIsNoGpuWithoutFailing) {
  ScopedEnv emulate("LDS_GPU_EMULATE", nullptr);
  // The driver's failures do not replace the caller's last error.
  std::string before = lds_last_error();
  {
    ScopedEnv driver("LDS_CUDA_DRIVER", "/nonexistent/libcuda.so.1");
    lds::GpuProbe p = lds::probeGpu();
    EXPECT_FALSE(p.usable);
    EXPECT_EQ(p.arch, "");
    EXPECT_EQ(p.reason, "no usable GPU: /nonexistent/libcuda.so.1 not found "
                        "(no NVIDIA driver on this machine)");
    EXPECT_EQ(lds_last_error(), before);
  }
  {
    ScopedEnv mode("LDS_FAKE_CUDA", "nodevice");
    std::string lib = fakeDriver("./././././.");
    ScopedEnv driver("LDS_CUDA_DRIVER", lib.c_str());
    lds::GpuProbe p = lds::probeGpu();
    EXPECT_FALSE(p.usable);
    EXPECT_EQ(p.reason,
              "no usable GPU: cuInit: no CUDA-capable device is detected");
  }
  {
    ScopedEnv mode("LDS_FAKE_CUDA", "noattr");
    std::string lib = fakeDriver("././././././.");
    ScopedEnv driver("LDS_CUDA_DRIVER", lib.c_str());
    lds::GpuProbe p = lds::probeGpu();
    EXPECT_FALSE(p.usable);
    EXPECT_EQ(p.reason, "no usable GPU: device 0: CUDA error 1 "
                        "CUDA_ERROR_INVALID_VALUE: invalid argument");
    EXPECT_EQ(lds_last_error(), before);
  }
}

TEST(GpuProbe, ReadsTheDevicesArchitecture) {
  ScopedEnv emulate("LDS_GPU_EMULATE", nullptr);
  ScopedEnv mode("LDS_FAKE_CUDA", "ok");
  std::string lib = fakeDriver("./././././././.");
  ScopedEnv driver("LDS_CUDA_DRIVER", lib.c_str());
  lds::GpuProbe p = lds::probeGpu();
  EXPECT_TRUE(p.usable);
  EXPECT_FALSE(p.emulated);
  EXPECT_EQ(p.arch, "sm_90");
  EXPECT_EQ(p.reason, "");
  ScopedEnv capability("LDS_FAKE_CUDA_CC", "75");
  EXPECT_EQ(lds::probeGpu().arch, "sm_75");
}

TEST(GpuProbe, TheEmulatorIsAGpu) {
  ScopedEnv emulate("LDS_GPU_EMULATE", "1");
  ScopedEnv driver("LDS_CUDA_DRIVER", "/nonexistent/libcuda.so.1");
  lds::GpuProbe p = lds::probeGpu();
  EXPECT_TRUE(p.usable);
  EXPECT_TRUE(p.emulated);
  EXPECT_EQ(p.arch, "");
}

TEST(EmulatorHooks, EveryHookOnceAtItsAddress) {
  const std::vector<lds::EmulatorHook> &hooks = lds::emulatorHooks();
  std::set<std::string> names;
  for (const lds::EmulatorHook &h : hooks) {
    EXPECT_TRUE(names.insert(h.name).second) << h.name;
    EXPECT_NE(h.address, nullptr) << h.name;
  }
  // gpu_emulator_hooks.h declares 21.
  EXPECT_EQ(hooks.size(), 21u);
  auto address = [&](const char *name) -> void * {
    for (const lds::EmulatorHook &h : hooks)
      if (std::string(h.name) == name)
        return h.address;
    return nullptr;
  };
  EXPECT_EQ(address("lds_emu_barrier"),
            reinterpret_cast<void *>(&lds_emu_barrier));
  EXPECT_EQ(address("lds_emu_store_i32"),
            reinterpret_cast<void *>(&lds_emu_store_i32));
  EXPECT_EQ(address("lds_emu_load_i32"),
            reinterpret_cast<void *>(&lds_emu_load_i32));
  EXPECT_EQ(address("lds_emu_fence"), reinterpret_cast<void *>(&lds_emu_fence));
}

} // namespace
