//===- EmulatorTest.cpp - the GPU emulator's thread model -----------------===//
//
// The primitives host-emulated kernels call (gpu_emulator_hooks.h) against
// hand-computed results: grid and block indices, warp shuffles, the block
// barrier (also with threads that returned early), shared memory and
// atomics; and the backend's own errors.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/lib/GpuBackend.h"
#include "ScopedEnv.h"
#include "lds/gpu_emulator_hooks.h"
#include "lds/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace lds;

namespace {

/// Kernels get their parameters through lds_gpu_args: `out` is the result
/// buffer, `T` a small integer parameter.
int gid() { return lds_emu_ctaid_x() * lds_emu_ntid_x() + lds_emu_tid_x(); }

void indices(const lds_gpu_args *a) {
  int32_t *out = static_cast<int32_t *>(a->out);
  int g = gid() + lds_emu_ctaid_y() * lds_emu_nctaid_x() * lds_emu_ntid_x();
  out[4 * g + 0] = lds_emu_tid_x();
  out[4 * g + 1] = lds_emu_ctaid_x();
  out[4 * g + 2] = lds_emu_ctaid_y();
  out[4 * g + 3] =
      lds_emu_ntid_x() * 1000 + lds_emu_nctaid_x() * 10 + lds_emu_nctaid_y();
}

void shuffles(const lds_gpu_args *a) {
  int t = gid(), delta = static_cast<int>(a->T);
  float f = lds_emu_shfl_up_f32(1.5f * t, delta);
  double d = lds_emu_shfl_up_f64(0.25 * t + 1e-300, delta);
  int32_t i = lds_emu_shfl_up_i32(-t, delta);
  int64_t l = lds_emu_shfl_up_i64(int64_t(t) << 40, delta);
  double *out = static_cast<double *>(a->out) + 4 * t;
  out[0] = f;
  out[1] = d;
  out[2] = i;
  out[3] = double(l >> 40);
}

/// Lanes below T return at once; the others shuffle up by 2, twice (the
/// second shuffle uses the first's slot row again).
void shuffleFromExited(const lds_gpu_args *a) {
  int t = gid();
  if (t % 32 < a->T)
    return;
  int32_t *out = static_cast<int32_t *>(a->out) + 2 * t;
  out[0] = lds_emu_shfl_up_i32(100 + t, 2);
  lds_emu_shfl_up_i32(0, 1);
  out[1] = lds_emu_shfl_up_i32(200 + t, 2);
}

/// Rounds of "write your slot, barrier, read your neighbour's, barrier":
/// a missing barrier reads a stale value.
void barriers(const lds_gpu_args *a) {
  int t = lds_emu_tid_x(), n = lds_emu_ntid_x();
  int live = static_cast<int>(a->T); // threads past this return at once
  if (t >= live)
    return;
  int32_t *slots = static_cast<int32_t *>(lds_emu_shared());
  int32_t *out = static_cast<int32_t *>(a->out);
  int32_t sum = 0;
  for (int round = 0; round < 20; ++round) {
    slots[t] = round * 1000 + t;
    lds_emu_barrier();
    sum += slots[(t + 1) % live] - round * 1000;
    lds_emu_barrier();
  }
  out[lds_emu_ctaid_x() * n + t] = sum;
}

/// The same exchange without barriers: a kernel that relies on lockstep.
void racy(const lds_gpu_args *a) {
  int t = lds_emu_tid_x(), n = lds_emu_ntid_x();
  int32_t *slots = static_cast<int32_t *>(lds_emu_shared());
  slots[t] = t;
  static_cast<int32_t *>(a->out)[lds_emu_ctaid_x() * n + t] =
      slots[(t + 1) % n];
}

/// Thread 0 waits at the block barrier while the others shuffle: no
/// thread can go on (undefined behaviour on a GPU).
void divergent(const lds_gpu_args *) {
  if (lds_emu_tid_x() == 0)
    lds_emu_barrier();
  else
    lds_emu_shfl_up_i32(1, 1);
}

void sharedGarbage(const lds_gpu_args *a) {
  uint32_t *s = static_cast<uint32_t *>(lds_emu_shared());
  uint32_t first = s[lds_emu_tid_x()];
  lds_emu_barrier();
  s[lds_emu_tid_x()] = 7; // the next block must not see this
  static_cast<uint32_t *>(a->out)[gid()] = first;
}

void atomics(const lds_gpu_args *a) {
  int t = gid();
  lds_emu_atomic_min_i64(a->first_bad, 100000 - t);
  lds_emu_atomic_max_u32(static_cast<uint32_t *>(a->residual), uint32_t(t));
  lds_emu_atomic_max_u64(static_cast<uint64_t *>(a->out), uint64_t(t) << 33);
  lds_emu_store_i32(a->nonfinite, 1);
  // A counter from compare-free atomics: every thread adds its id once.
  int64_t *count = const_cast<int64_t *>(a->lo);
  __atomic_fetch_add(count, t, __ATOMIC_RELAXED);
}

struct Emulator {
  std::vector<lds_gpu_host_kernel> table = {
      {"indices", &indices},     {"shuffles", &shuffles},
      {"barriers", &barriers},   {"shared", &sharedGarbage},
      {"atomics", &atomics},     {"racy", &racy},
      {"divergent", &divergent}, {"exited", &shuffleFromExited}};
  lds_gpu_image image{"host", 2, table.data(), int64_t(table.size())};
  lds_gpu_module module{LDS_GPU_ABI_VERSION, 1, &image, 256, {}};
  lds_model model{};
  std::unique_ptr<GpuBackend> dev;

  Emulator() {
    model.name = "emu";
    model.gpu = &module;
    lds_status s = LDS_OK;
    dev.reset(createGpuEmulatorBackend(&model, &s));
  }
  lds_status run(const char *name, lds_gpu_args &a, int64_t gx, int64_t gy,
                 int block) {
    GpuKernel k;
    if (lds_status s = dev->kernel(&module, name, &k))
      return s;
    return dev->launch(k, name, gx, gy, block, reinterpret_cast<DevPtr>(&a));
  }
};

TEST(Emulator, Indices) {
  Emulator e;
  ASSERT_TRUE(e.dev);
  std::vector<int32_t> out(4 * 3 * 2 * 40, -1);
  lds_gpu_args a{};
  a.out = out.data();
  ASSERT_EQ(e.run("indices", a, 3, 2, 40), LDS_OK) << lds_last_error();
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x)
      for (int t = 0; t < 40; ++t) {
        int g = (y * 3 + x) * 40 + t;
        EXPECT_EQ(out[4 * g + 0], t);
        EXPECT_EQ(out[4 * g + 1], x);
        EXPECT_EQ(out[4 * g + 2], y);
        EXPECT_EQ(out[4 * g + 3], 40 * 1000 + 3 * 10 + 2);
      }
}

TEST(Emulator, ShuffleUpWithinWarps) {
  Emulator e;
  for (int delta : {1, 3, 16, 31}) {
    SCOPED_TRACE(delta);
    std::vector<double> out(4 * 96, NAN);
    lds_gpu_args a{};
    a.out = out.data();
    a.T = delta;
    ASSERT_EQ(e.run("shuffles", a, 1, 1, 96), LDS_OK);
    for (int t = 0; t < 96; ++t) {
      // Lanes below delta keep their own value; nothing crosses a warp.
      int from = t % 32 >= delta ? t - delta : t;
      EXPECT_EQ(out[4 * t + 0], 1.5 * from);
      EXPECT_EQ(out[4 * t + 1], 0.25 * from + 1e-300);
      EXPECT_EQ(out[4 * t + 2], -from);
      EXPECT_EQ(out[4 * t + 3], from);
    }
  }
}

TEST(Emulator, ShuffleFromAnExitedLaneIsGarbage) {
  // On a GPU a lane that returned takes no part in a shuffle and what the
  // others read from it is undefined: the emulator gives all-ones bits.
  Emulator e;
  std::vector<int32_t> out(2 * 64, 7);
  lds_gpu_args a{};
  a.out = out.data();
  a.T = 4;
  ASSERT_EQ(e.run("exited", a, 1, 1, 64), LDS_OK);
  for (int t = 0; t < 64; ++t) {
    SCOPED_TRACE(t);
    int lane = t % 32;
    if (lane < 4) {
      EXPECT_EQ(out[2 * t], 7);
      EXPECT_EQ(out[2 * t + 1], 7);
    } else if (lane < 6) {
      EXPECT_EQ(out[2 * t], -1);
      EXPECT_EQ(out[2 * t + 1], -1);
    } else {
      EXPECT_EQ(out[2 * t], 100 + t - 2);
      EXPECT_EQ(out[2 * t + 1], 200 + t - 2);
    }
  }
}

TEST(Emulator, BarrierSynchronisesTheBlock) {
  Emulator e;
  for (int live : {64, 50}) {
    SCOPED_TRACE(live);
    std::vector<int32_t> out(2 * 64, -1);
    lds_gpu_args a{};
    a.out = out.data();
    a.T = live;
    ASSERT_EQ(e.run("barriers", a, 2, 1, 64), LDS_OK);
    for (int b = 0; b < 2; ++b)
      for (int t = 0; t < 64; ++t)
        EXPECT_EQ(out[b * 64 + t], t < live ? 20 * ((t + 1) % live) : -1)
            << "block " << b << " thread " << t;
  }
}

TEST(Emulator, LockstepWithoutBarriersIsCaught) {
  // Threads run to their next barrier one after another, in thread order
  // in even blocks and in reverse in odd ones, so a read of a neighbour's
  // write without a barrier reads garbage (0xff bytes) in both.
  Emulator e;
  std::vector<int32_t> out(2 * 64, 0);
  lds_gpu_args a{};
  a.out = out.data();
  ASSERT_EQ(e.run("racy", a, 2, 1, 64), LDS_OK);
  for (int b = 0; b < 2; ++b) {
    int stale = 0;
    for (int t = 0; t < 64; ++t)
      stale += out[b * 64 + t] != (t + 1) % 64;
    EXPECT_GT(stale, 0) << "block " << b;
  }
}

TEST(Emulator, DeadlockIsAnError) {
  Emulator e;
  lds_gpu_args a{};
  EXPECT_EQ(e.run("divergent", a, 1, 1, 64), LDS_ERR_DEVICE);
  EXPECT_STREQ(lds_last_error(),
               "lds_solve: GPU emulator: kernel divergent deadlocked in block "
               "(0, 0): each of its threads still running waits at a barrier "
               "or a shuffle that the others do not reach");
  // Several blocks at once: the first that deadlocked is named.
  EXPECT_EQ(e.run("divergent", a, 3, 2, 64), LDS_ERR_DEVICE);
  EXPECT_NE(std::string(lds_last_error()).find("deadlocked in block ("),
            std::string::npos);
  // The runners recover: the next launch runs.
  std::vector<int32_t> out(4 * 40, -1);
  a.out = out.data();
  EXPECT_EQ(e.run("indices", a, 1, 1, 40), LDS_OK);
  EXPECT_EQ(out[4 * 39], 39);
}

TEST(Emulator, SharedMemoryStartsAsGarbage) {
  Emulator e;
  std::vector<uint32_t> out(3 * 8, 0);
  lds_gpu_args a{};
  a.out = out.data();
  ASSERT_EQ(e.run("shared", a, 3, 1, 8), LDS_OK);
  for (uint32_t v : out)
    EXPECT_EQ(v, 0xffffffffu);
}

TEST(Emulator, DeviceMemoryStartsAsGarbage) {
  // As cuMemAlloc's: what no one wrote is not zero (all-ones bytes, NaN).
  Emulator e;
  for (int64_t bytes : {1, 100, 1 << 20}) {
    DevPtr p = 0;
    ASSERT_EQ(e.dev->allocate(bytes, &p), LDS_OK);
    const auto *b = reinterpret_cast<const unsigned char *>(p);
    EXPECT_EQ(b[0], 0xff);
    EXPECT_EQ(b[bytes - 1], 0xff);
    EXPECT_EQ(std::count(b, b + bytes, 0xff), bytes);
    e.dev->release(p);
  }
}

TEST(Emulator, AtomicsAcrossTheGrid) {
  Emulator e;
  int64_t minimum = INT64_MAX, sum = 0;
  uint32_t max32 = 0;
  uint64_t max64 = 0;
  int32_t flag = 0;
  lds_gpu_args a{};
  a.first_bad = &minimum;
  a.residual = &max32;
  a.out = &max64;
  a.nonfinite = &flag;
  a.lo = &sum;
  ASSERT_EQ(e.run("atomics", a, 4, 1, 64), LDS_OK);
  EXPECT_EQ(minimum, 100000 - 255);
  EXPECT_EQ(max32, 255u);
  EXPECT_EQ(max64, uint64_t(255) << 33);
  EXPECT_EQ(flag, 1);
  EXPECT_EQ(sum, 255 * 256 / 2);
}

TEST(Emulator, ThreadLimitAsTheKernelsRegistersSetIt) {
  // LDS_GPU_EMULATE_MAX_THREADS stands for a kernel whose registers allow
  // fewer threads a block: maxThreads says so, and a larger launch fails
  // as cuLaunchKernel does.
  lds_test::ScopedEnv limit("LDS_GPU_EMULATE_MAX_THREADS", "96");
  Emulator e;
  GpuKernel k;
  ASSERT_EQ(e.dev->kernel(&e.module, "indices", &k), LDS_OK);
  int most = 0;
  ASSERT_EQ(e.dev->maxThreads(k, "indices", &most), LDS_OK);
  EXPECT_EQ(most, 96);
  std::vector<int32_t> out(4 * 96, -1);
  lds_gpu_args a{};
  a.out = out.data();
  EXPECT_EQ(e.run("indices", a, 1, 1, 96), LDS_OK);
  EXPECT_EQ(e.run("indices", a, 1, 1, 128), LDS_ERR_DEVICE);
  EXPECT_STREQ(lds_last_error(),
               "lds_solve: GPU emulator: launch of indices with block 128: too "
               "many resources requested for launch (the kernel allows 96 "
               "threads a block)");
}

TEST(Emulator, Errors) {
  Emulator e;
  GpuKernel k;
  EXPECT_EQ(e.dev->kernel(&e.module, "nope", &k), LDS_ERR_DEVICE);
  EXPECT_STREQ(lds_last_error(), "lds_solve: GPU emulator: kernel 'nope' is "
                                 "not in the model's host image");
  ASSERT_EQ(e.dev->kernel(&e.module, "indices", &k), LDS_OK);
  EXPECT_EQ(e.dev->launch(k, "indices", 1, 70000, 32, 0), LDS_ERR_DEVICE);
  EXPECT_STREQ(lds_last_error(),
               "lds_solve: GPU emulator: launch of indices with grid (1, "
               "70000) and block 32 is outside the device's limits");
  EXPECT_EQ(e.dev->launch(k, "indices", 1, 1, 1025, 0), LDS_ERR_DEVICE);

  // A model without a format-2 image cannot be emulated.
  lds_model m{};
  m.name = "cubin_only";
  lds_gpu_image cubin{"sm_90", 0, "x", 1};
  lds_gpu_module g{LDS_GPU_ABI_VERSION, 1, &cubin, 256, {}};
  m.gpu = &g;
  lds_status s = LDS_OK;
  EXPECT_EQ(createGpuEmulatorBackend(&m, &s), nullptr);
  EXPECT_EQ(s, LDS_ERR_NO_DEVICE);
  EXPECT_STREQ(lds_last_error(),
               "lds_solve: LDS_GPU_EMULATE=1 but model 'cubin_only' has no "
               "host-emulation GPU image (compile with --target=all)");
}

TEST(Emulator, ImageSelection) {
  lds_gpu_image images[] = {{"sm_80", 0, "a", 1},
                            {"compute_80", 1, "b", 1},
                            {"sm_90", 0, "c", 1},
                            {"host", 2, "d", 1}};
  lds_gpu_module g{LDS_GPU_ABI_VERSION, 4, images, 256, {}};
  EXPECT_EQ(selectGpuImage(&g, false, "sm_90"), &images[2]);
  EXPECT_EQ(selectGpuImage(&g, false, "sm_80"), &images[0]);
  EXPECT_EQ(selectGpuImage(&g, false, "sm_100"), &images[1]); // PTX: JIT
  EXPECT_EQ(selectGpuImage(&g, true, nullptr), &images[3]);
  lds_gpu_module cubins{LDS_GPU_ABI_VERSION, 1, images, 256, {}};
  EXPECT_EQ(selectGpuImage(&cubins, false, "sm_90"), nullptr);
  EXPECT_EQ(selectGpuImage(nullptr, false, "sm_90"), nullptr);
}

} // namespace
