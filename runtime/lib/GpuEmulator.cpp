//===- GpuEmulator.cpp - runs host-emulated GPU kernels on the CPU --------===//
//
// A testing aid (LDS_GPU_EMULATE=1): the GPU backend for a model whose
// object carries a format-2 image, its GPU kernels compiled for the host
// (model_abi.h). "Device memory" is host memory. A launch runs up to
// kConcurrentBlocks blocks of the grid at once, each runner taking the next
// block when it finishes one; a block's threads are real threads of a pool,
// so the kernels' barriers, warp shuffles and atomics (gpu_emulator_hooks.h)
// meet the same interleavings a GPU allows, a kernel that relies on
// lockstep execution without synchronising fails here too, and blocks that
// wait for one another (the iterate kernels' look-back) do so across real
// threads.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "GpuBackend.h"
#include "lds/gpu_emulator_hooks.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

using namespace lds;

namespace {

constexpr int kWarp = 32;
constexpr int kMaxBlock = 1024;
constexpr int64_t kMaxGridY = 65535;
/// Blocks a launch runs at once.
constexpr int kConcurrentBlocks = 4;

/// A warp's shuffle slots and barrier (its own lock: a shuffle wakes only
/// the warp's lanes).
struct WarpState {
  std::mutex mutex;
  std::condition_variable changed;
  int live = 0, arrived = 0;
  uint64_t generation = 0;
  uint64_t slots[kWarp];
};

/// The block being run and its synchronisation state.
struct BlockState {
  std::mutex mutex;
  std::condition_variable changed;
  int live = 0, arrived = 0;
  uint64_t generation = 0;
  WarpState warps[kMaxBlock / kWarp];
  int32_t ctaidX = 0, ctaidY = 0, nctaidX = 0, nctaidY = 0, ntidX = 0;
  /// Shared memory, filled with 0xff (NaN as floats) at each block's
  /// start, so a kernel that reads what it did not write sees garbage.
  alignas(16) unsigned char shared[LDS_EMU_SHARED_BYTES];
};

/// The calling thread's place in the emulated grid.
struct ThreadContext {
  BlockState *block = nullptr;
  int32_t tid = 0;
};
thread_local ThreadContext current;

/// Waits until `arrived` reaches `live` for this generation (caller holds
/// the lock through `lock`).
void arriveAndWait(std::unique_lock<std::mutex> &lock,
                   std::condition_variable &cv, int &arrived, int live,
                   uint64_t &generation) {
  uint64_t g = generation;
  if (++arrived >= live) {
    arrived = 0;
    ++generation;
    cv.notify_all();
    return;
  }
  cv.wait(lock, [&] { return generation != g; });
}

/// A thread leaves the block: barriers now wait for one thread fewer.
void leave(BlockState &b, int32_t tid) {
  WarpState &w = b.warps[tid / kWarp];
  {
    std::lock_guard<std::mutex> lock(w.mutex);
    --w.live;
    if (w.arrived > 0 && w.arrived >= w.live) {
      w.arrived = 0;
      ++w.generation;
      w.changed.notify_all();
    }
  }
  std::lock_guard<std::mutex> lock(b.mutex);
  --b.live;
  if (b.arrived > 0 && b.arrived >= b.live) {
    b.arrived = 0;
    ++b.generation;
    b.changed.notify_all();
  }
}

void warpBarrier() {
  WarpState &w = current.block->warps[current.tid / kWarp];
  std::unique_lock<std::mutex> lock(w.mutex);
  arriveAndWait(lock, w.changed, w.arrived, w.live, w.generation);
}

uint64_t shuffleUp(uint64_t bits, int32_t delta) {
  if (!current.block)
    return bits;
  WarpState &w = current.block->warps[current.tid / kWarp];
  int lane = current.tid % kWarp;
  w.slots[lane] = bits;
  warpBarrier();
  uint64_t r = delta >= 0 && lane >= delta ? w.slots[lane - delta] : bits;
  warpBarrier(); // nobody overwrites a slot before every lane has read
  return r;
}

/// Worker threads that run one block's threads at a time. Each worker has
/// its own wake-up word, so a block wakes only the threads it uses.
class BlockRunner {
public:
  ~BlockRunner() {
    for (auto &w : workers) {
      std::lock_guard<std::mutex> lock(w->mutex);
      w->stop = true;
      w->wake.notify_one();
    }
    for (auto &w : workers)
      w->thread.join();
  }

  /// Runs block (bx, by) of `fn(args)`; false if threads cannot be made.
  bool run(void (*fn)(const lds_gpu_args *), const lds_gpu_args *args,
           int32_t bx, int32_t by, int32_t gridX, int32_t gridY,
           int32_t blockX) {
    if (!grow(blockX))
      return false;
    BlockState &b = *block;
    b.live = blockX;
    b.arrived = 0;
    for (int w = 0; w < kMaxBlock / kWarp; ++w) {
      int lanes = blockX - w * kWarp;
      b.warps[w].live = lanes < 0 ? 0 : lanes > kWarp ? kWarp : lanes;
      b.warps[w].arrived = 0;
    }
    b.ctaidX = bx;
    b.ctaidY = by;
    b.nctaidX = gridX;
    b.nctaidY = gridY;
    b.ntidX = blockX;
    std::memset(b.shared, 0xff, sizeof(b.shared));
    kernel = fn;
    kernelArgs = args;
    {
      std::lock_guard<std::mutex> lock(doneMutex);
      remaining = blockX;
    }
    for (int32_t i = 0; i < blockX; ++i) {
      Worker &w = *workers[i];
      std::lock_guard<std::mutex> lock(w.mutex);
      ++w.go;
      w.wake.notify_one();
    }
    std::unique_lock<std::mutex> lock(doneMutex);
    done.wait(lock, [&] { return remaining == 0; });
    return true;
  }

private:
  struct Worker {
    std::mutex mutex;
    std::condition_variable wake;
    uint64_t go = 0;
    bool stop = false;
    std::thread thread;
  };

  bool grow(int32_t n) {
    if (!block) {
      block.reset(new (std::nothrow) BlockState);
      if (!block)
        return false;
    }
    while (static_cast<int32_t>(workers.size()) < n) {
      workers.emplace_back(new (std::nothrow) Worker);
      if (!workers.back()) {
        workers.pop_back();
        return false;
      }
      Worker *w = workers.back().get();
      int index = static_cast<int>(workers.size()) - 1;
      w->thread = std::thread([this, w, index] { work(*w, index); });
    }
    return true;
  }

  void work(Worker &w, int index) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(w.mutex);
        w.wake.wait(lock, [&] { return w.go != seen || w.stop; });
        if (w.stop)
          return;
        seen = w.go;
      }
      current.block = block.get();
      current.tid = index;
      kernel(kernelArgs);
      leave(*block, index);
      current.block = nullptr;
      std::lock_guard<std::mutex> lock(doneMutex);
      if (--remaining == 0)
        done.notify_one();
    }
  }

  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<BlockState> block;
  std::mutex doneMutex;
  std::condition_variable done;
  int remaining = 0;
  // Written before the workers are woken (under their locks), read after.
  void (*kernel)(const lds_gpu_args *) = nullptr;
  const lds_gpu_args *kernelArgs = nullptr;
};

class GpuEmulator final : public GpuBackend {
public:
  explicit GpuEmulator(const lds_gpu_image *image) : image(image) {}

  const char *name() const override { return "emulator"; }
  // As many threads as a small GPU keeps busy: the window is chunked as
  // on a device, which is what the emulator is for.
  int64_t lanes() const override { return 4096; }

  lds_status allocate(int64_t bytes, DevPtr *out) override {
    size_t rounded = (static_cast<size_t>(bytes < 1 ? 1 : bytes) + 255) &
                     ~static_cast<size_t>(255);
    void *p = std::aligned_alloc(256, rounded);
    if (!p)
      return fail(LDS_ERR_OUT_OF_MEMORY,
                  "lds_solve: GPU emulator: out of memory for %lld bytes",
                  static_cast<long long>(bytes));
    *out = reinterpret_cast<DevPtr>(p);
    tally.added(*out, bytes);
    return LDS_OK;
  }
  void release(DevPtr p) override {
    if (p)
      tally.removed(p);
    std::free(reinterpret_cast<void *>(p));
  }
  lds_status copyToDevice(DevPtr dst, const void *src, int64_t bytes) override {
    if (bytes > 0)
      std::memmove(reinterpret_cast<void *>(dst), src, bytes);
    return LDS_OK;
  }
  lds_status copyToHost(void *dst, DevPtr src, int64_t bytes) override {
    if (bytes > 0)
      std::memmove(dst, reinterpret_cast<const void *>(src), bytes);
    return LDS_OK;
  }
  lds_status copyOnDevice(DevPtr dst, DevPtr src, int64_t bytes) override {
    if (bytes > 0)
      std::memmove(reinterpret_cast<void *>(dst),
                   reinterpret_cast<const void *>(src), bytes);
    return LDS_OK;
  }
  lds_status memset8(DevPtr dst, uint8_t value, int64_t bytes) override {
    if (bytes > 0)
      std::memset(reinterpret_cast<void *>(dst), value, bytes);
    return LDS_OK;
  }
  bool isDevicePointer(const void *) const override { return false; }

  lds_status kernel(const lds_gpu_module *, const char *name,
                    GpuKernel *out) override {
    const lds_gpu_host_kernel *table =
        static_cast<const lds_gpu_host_kernel *>(image->data);
    for (int64_t i = 0; i < image->size; ++i)
      if (table[i].name && std::strcmp(table[i].name, name) == 0 &&
          table[i].fn) {
        *out = reinterpret_cast<GpuKernel>(table[i].fn);
        return LDS_OK;
      }
    return fail(LDS_ERR_DEVICE,
                "lds_solve: GPU emulator: kernel '%s' is not in the model's "
                "host image",
                name);
  }

  lds_status launch(GpuKernel k, const char *name, int64_t gridX, int64_t gridY,
                    int blockX, DevPtr args) override {
    if (gridX < 1 || gridX > INT32_MAX || gridY < 1 || gridY > kMaxGridY ||
        blockX < 1 || blockX > kMaxBlock)
      return fail(LDS_ERR_DEVICE,
                  "lds_solve: GPU emulator: launch of %s with grid (%lld, "
                  "%lld) and block %d is outside the device's limits",
                  name, static_cast<long long>(gridX),
                  static_cast<long long>(gridY), blockX);
    auto fn = reinterpret_cast<void (*)(const lds_gpu_args *)>(k);
    const auto *a = reinterpret_cast<const lds_gpu_args *>(args);
    const int64_t blocks = gridX * gridY;
    std::atomic<int64_t> next{0};
    std::atomic<bool> failed{false};
    // A runner takes the grid's next block until none is left.
    auto drive = [&](BlockRunner &r) {
      for (int64_t i; (i = next.fetch_add(1)) < blocks;)
        if (!r.run(fn, a, static_cast<int32_t>(i % gridX),
                   static_cast<int32_t>(i / gridX), static_cast<int32_t>(gridX),
                   static_cast<int32_t>(gridY), blockX))
          failed = true;
    };
    std::vector<std::thread> helpers;
    int64_t extra = std::min<int64_t>(kConcurrentBlocks, blocks) - 1;
    for (int64_t r = 1; r <= extra; ++r)
      helpers.emplace_back(drive, std::ref(runners[r]));
    drive(runners[0]);
    for (std::thread &t : helpers)
      t.join();
    if (failed)
      return fail(LDS_ERR_OUT_OF_MEMORY,
                  "lds_solve: GPU emulator: out of memory for a block");
    return LDS_OK;
  }
  lds_status synchronize() override { return LDS_OK; }

private:
  const lds_gpu_image *image;
  BlockRunner runners[kConcurrentBlocks];
  GpuMemoryTally tally;
};

} // namespace

GpuBackend *lds::createGpuEmulatorBackend(const lds_model *m,
                                          lds_status *status) {
  const lds_gpu_image *image = selectGpuImage(m->gpu, true, nullptr);
  if (!image) {
    *status = fail(LDS_ERR_NO_DEVICE,
                   "lds_solve: LDS_GPU_EMULATE=1 but model '%s' has no "
                   "host-emulation GPU image (compile with --target=all)",
                   m->name ? m->name : "");
    return nullptr;
  }
  GpuEmulator *e = new (std::nothrow) GpuEmulator(image);
  if (!e)
    *status = fail(LDS_ERR_OUT_OF_MEMORY, "lds_solve: out of memory");
  return e;
}

//===----------------------------------------------------------------------===//
// The hooks the host-compiled kernels call (gpu_emulator_hooks.h)
//===----------------------------------------------------------------------===//

extern "C" {

int32_t lds_emu_tid_x(void) { return current.tid; }
int32_t lds_emu_ntid_x(void) {
  return current.block ? current.block->ntidX : 1;
}
int32_t lds_emu_ctaid_x(void) {
  return current.block ? current.block->ctaidX : 0;
}
int32_t lds_emu_ctaid_y(void) {
  return current.block ? current.block->ctaidY : 0;
}
int32_t lds_emu_nctaid_x(void) {
  return current.block ? current.block->nctaidX : 1;
}
int32_t lds_emu_nctaid_y(void) {
  return current.block ? current.block->nctaidY : 1;
}
int32_t lds_emu_lane_id(void) { return current.tid % kWarp; }

void lds_emu_barrier(void) {
  if (!current.block)
    return;
  BlockState &b = *current.block;
  std::unique_lock<std::mutex> lock(b.mutex);
  arriveAndWait(lock, b.changed, b.arrived, b.live, b.generation);
}

float lds_emu_shfl_up_f32(float v, int32_t delta) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  bits = static_cast<uint32_t>(shuffleUp(bits, delta));
  std::memcpy(&v, &bits, 4);
  return v;
}
double lds_emu_shfl_up_f64(double v, int32_t delta) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  bits = shuffleUp(bits, delta);
  std::memcpy(&v, &bits, 8);
  return v;
}
int32_t lds_emu_shfl_up_i32(int32_t v, int32_t delta) {
  return static_cast<int32_t>(
      static_cast<uint32_t>(shuffleUp(static_cast<uint32_t>(v), delta)));
}
int64_t lds_emu_shfl_up_i64(int64_t v, int32_t delta) {
  return static_cast<int64_t>(shuffleUp(static_cast<uint64_t>(v), delta));
}

void *lds_emu_shared(void) {
  return current.block ? current.block->shared : nullptr;
}

int64_t lds_emu_atomic_min_i64(int64_t *address, int64_t value) {
  int64_t old = __atomic_load_n(address, __ATOMIC_RELAXED);
  while (value < old &&
         !__atomic_compare_exchange_n(address, &old, value, true,
                                      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
  }
  return old;
}
uint32_t lds_emu_atomic_max_u32(uint32_t *address, uint32_t value) {
  uint32_t old = __atomic_load_n(address, __ATOMIC_RELAXED);
  while (value > old &&
         !__atomic_compare_exchange_n(address, &old, value, true,
                                      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
  }
  return old;
}
uint64_t lds_emu_atomic_max_u64(uint64_t *address, uint64_t value) {
  uint64_t old = __atomic_load_n(address, __ATOMIC_RELAXED);
  while (value > old &&
         !__atomic_compare_exchange_n(address, &old, value, true,
                                      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
  }
  return old;
}
int32_t lds_emu_atomic_exch_i32(int32_t *address, int32_t value) {
  return __atomic_exchange_n(address, value, __ATOMIC_ACQ_REL);
}
void lds_emu_store_i32(int32_t *address, int32_t value) {
  __atomic_store_n(address, value, __ATOMIC_RELAXED);
}
int32_t lds_emu_atomic_add_i32(int32_t *address, int32_t value) {
  return __atomic_fetch_add(address, value, __ATOMIC_ACQ_REL);
}
int32_t lds_emu_load_i32(const int32_t *address) {
  int32_t v = __atomic_load_n(address, __ATOMIC_ACQUIRE);
  // Callers spin while it reads 0 (nothing published yet): leave the CPU
  // to the blocks they wait for rather than burn it.
  if (v == 0)
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  return v;
}
void lds_emu_fence(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

} // extern "C"

const std::vector<EmulatorHook> &lds::emulatorHooks() {
#define LDS_HOOK(name)                                                         \
  { #name, reinterpret_cast < void *>(&name) }
  static const std::vector<EmulatorHook> hooks = {
      LDS_HOOK(lds_emu_tid_x),
      LDS_HOOK(lds_emu_ntid_x),
      LDS_HOOK(lds_emu_ctaid_x),
      LDS_HOOK(lds_emu_ctaid_y),
      LDS_HOOK(lds_emu_nctaid_x),
      LDS_HOOK(lds_emu_nctaid_y),
      LDS_HOOK(lds_emu_lane_id),
      LDS_HOOK(lds_emu_barrier),
      LDS_HOOK(lds_emu_shfl_up_f32),
      LDS_HOOK(lds_emu_shfl_up_f64),
      LDS_HOOK(lds_emu_shfl_up_i32),
      LDS_HOOK(lds_emu_shfl_up_i64),
      LDS_HOOK(lds_emu_shared),
      LDS_HOOK(lds_emu_atomic_min_i64),
      LDS_HOOK(lds_emu_atomic_max_u32),
      LDS_HOOK(lds_emu_atomic_max_u64),
      LDS_HOOK(lds_emu_atomic_exch_i32),
      LDS_HOOK(lds_emu_store_i32),
      LDS_HOOK(lds_emu_atomic_add_i32),
      LDS_HOOK(lds_emu_load_i32),
      LDS_HOOK(lds_emu_fence)};
#undef LDS_HOOK
  return hooks;
}
