//===- GpuEmulator.cpp - runs host-emulated GPU kernels on the CPU --------===//
//
// A testing aid (LDS_GPU_EMULATE=1): the GPU backend for a model whose
// object carries a format-2 image, its GPU kernels compiled for the host
// (model_abi.h). "Device memory" is host memory. A launch runs up to
// kConcurrentBlocks blocks of the grid at once, each on its own OS thread
// (a runner) that takes the next block when it finishes one, so blocks
// that wait for one another (the iterate kernels' look-back) do so across
// real threads. Within a runner a block's threads are fibers, switched
// where a thread waits (BlockRunner), so the kernels' barriers, warp
// shuffles and atomics (gpu_emulator_hooks.h) cost a user-space context
// switch per waiting thread rather than an OS thread's wake-up, a kernel that
// relies on lockstep execution without synchronising reads stale data, and a
// divergent barrier is an error rather than a hang.
//
//===----------------------------------------------------------------------===//

// Fibers switch by _setjmp/_longjmp across stacks, which fortified glibc
// (__longjmp_chk) would reject.
#undef _FORTIFY_SOURCE

#include "Error.h"
#include "GpuBackend.h"
#include "Validate.h"
#include "lds/gpu_emulator_hooks.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include <setjmp.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

using namespace lds;

namespace {

constexpr int kWarp = 32;
constexpr int kMaxBlock = 1024;
constexpr int64_t kMaxGridY = 65535;
/// Threads a block of any kernel may have: kMaxBlock, or fewer by
/// LDS_GPU_EMULATE_MAX_THREADS (a testing aid standing for kernels whose
/// registers limit their blocks on a GPU); 0 if the variable is malformed.
int threadLimit() {
  const char *v = std::getenv("LDS_GPU_EMULATE_MAX_THREADS");
  if (!v || !*v)
    return kMaxBlock;
  char *end = nullptr;
  long n = std::strtol(v, &end, 10);
  return *end || n < 1 || n > kMaxBlock ? 0 : static_cast<int>(n);
}
/// Blocks a launch runs at once, each on its own OS thread.
constexpr int kConcurrentBlocks = 4;
/// Stack bytes of an emulated thread (reserved, touched as used), below a
/// guard page.
constexpr size_t kFiberStack = size_t(1) << 20;

/// What an emulated thread is doing, as its block's scheduler sees it.
enum class Wait : uint8_t { None, Block, Warp, Done, Abandoned };

/// A warp's shuffle slots and barrier. Shuffles alternate between two slot
/// rows by the barrier's generation, so one barrier per shuffle suffices: a
/// lane can overwrite a row only after every lane passed the next barrier,
/// and so had read it.
struct WarpState {
  int live = 0, arrived = 0;
  uint64_t generation = 0;
  uint64_t slots[2][kWarp];
  /// The lanes that wrote each row in its shuffle: a lane that had returned
  /// does not, and reading it gives all-ones bits (NaN; undefined on a GPU).
  uint32_t wrote[2] = {0, 0};
};

/// The block being run and its synchronisation state.
struct BlockState {
  int live = 0, arrived = 0;
  WarpState warps[kMaxBlock / kWarp];
  int32_t ctaidX = 0, ctaidY = 0, nctaidX = 0, nctaidY = 0, ntidX = 0;
  /// Shared memory, filled with 0xff (NaN as floats) at each block's
  /// start, so a kernel that reads what it did not write sees garbage.
  alignas(16) unsigned char shared[LDS_EMU_SHARED_BYTES];
};

class BlockRunner;

/// The calling OS thread's place in the emulated grid: the runner whose
/// block it runs and the emulated thread now running.
struct ThreadContext {
  BlockRunner *runner = nullptr;
  BlockState *block = nullptr;
  int32_t tid = 0;
};
thread_local ThreadContext current;

/// Runs one block at a time on the calling OS thread. Each of the block's
/// threads is a fiber with its own stack; the runner switches between them
/// only where a thread waits (a barrier, a shuffle, a flag that reads 0),
/// so synchronisation costs a user-space switch, not an OS thread's
/// wake-up: a fiber's first entry is setcontext (makecontext made its
/// stack), every later switch _setjmp/_longjmp, which unlike swapcontext
/// leave the signal mask alone (a system call each: 3.7 million of them
/// took most of a minute in the cooperative Newton test). The
/// threads of a block run in thread order in even blocks and in reverse
/// order in odd ones: a read of another thread's write without a barrier
/// between them reads a stale value in one or the other.
class BlockRunner {
public:
  enum class Outcome { Ok, NoMemory, Deadlock };

  ~BlockRunner() {
    for (Fiber &f : fibers)
      munmap(f.stack, kFiberStack + pageBytes());
  }

  /// Runs block (bx, by) of `fn(args)` to its end.
  Outcome run(void (*fn)(const lds_gpu_args *), const lds_gpu_args *args,
              int32_t bx, int32_t by, int32_t gridX, int32_t gridY,
              int32_t blockX, const std::atomic<bool> *launchFailed) {
    if (!grow(blockX))
      return Outcome::NoMemory;
    BlockState &b = *block;
    b.live = blockX;
    b.arrived = 0;
    for (int w = 0; w < kMaxBlock / kWarp; ++w) {
      int lanes = blockX - w * kWarp;
      b.warps[w].live = lanes < 0 ? 0 : lanes > kWarp ? kWarp : lanes;
      b.warps[w].arrived = 0;
      b.warps[w].wrote[0] = b.warps[w].wrote[1] = 0;
    }
    b.ctaidX = bx;
    b.ctaidY = by;
    b.nctaidX = gridX;
    b.nctaidY = gridY;
    b.ntidX = blockX;
    std::memset(b.shared, 0xff, sizeof(b.shared));
    kernel = fn;
    kernelArgs = args;
    failed = launchFailed;
    for (int32_t i = 0; i < blockX; ++i) {
      Fiber &f = fibers[i];
      f.wait = Wait::None;
      if (f.started)
        continue; // parked at the end of its last block: resumes there
      getcontext(&f.context);
      f.context.uc_stack.ss_sp = f.stack + pageBytes();
      f.context.uc_stack.ss_size = kFiberStack;
      f.context.uc_link = nullptr; // entry never returns
      makecontext(&f.context, &BlockRunner::entry, 0);
      f.started = true;
      f.entered = false;
    }
    current.runner = this;
    current.block = &b;
    bool reverse = ((int64_t(by) * gridX + bx) & 1) != 0;
    Outcome outcome = Outcome::Ok;
    while (b.live > 0) {
      bool ran = false;
      for (int32_t k = 0; k < blockX; ++k) {
        int32_t i = reverse ? blockX - 1 - k : k;
        if (fibers[i].wait != Wait::None)
          continue;
        current.tid = i;
        enter(fibers[i]);
        ran = true;
      }
      if (!ran && b.live > 0) {
        // Every live thread waits and none can go: abandon their stacks.
        outcome = Outcome::Deadlock;
        for (int32_t i = 0; i < blockX; ++i)
          if (fibers[i].wait != Wait::Done)
            fibers[i].started = false;
        break;
      }
    }
    current = ThreadContext();
    return outcome;
  }

  /// bar.sync 0 over the block's live threads.
  void blockBarrier() {
    BlockState &b = *block;
    if (++b.arrived >= b.live)
      releaseBlock();
    else
      suspend(Wait::Block);
  }

  /// shfl.sync.up within the calling thread's warp.
  uint64_t shuffleUp(uint64_t bits, int32_t delta) {
    int32_t tid = current.tid, lane = tid % kWarp;
    WarpState &w = block->warps[tid / kWarp];
    uint64_t *row = w.slots[w.generation & 1];
    uint32_t *wrote = &w.wrote[w.generation & 1];
    row[lane] = bits;
    *wrote |= uint32_t(1) << lane;
    if (++w.arrived >= w.live)
      releaseWarp(tid / kWarp);
    else
      suspend(Wait::Warp);
    if (delta < 0 || lane < delta)
      return bits;
    int32_t from = lane - delta;
    return (*wrote >> from) & 1 ? row[from] : ~uint64_t(0);
  }

  /// Lets the block's other threads run (the caller waits for a flag).
  /// Once another block of the launch failed, the flag may never come: the
  /// caller is abandoned, and the block ends as a deadlock.
  void yield() { suspend(*failed ? Wait::Abandoned : Wait::None); }

private:
  struct Fiber {
    ucontext_t context;    // where it starts
    jmp_buf resume;        // where it waits, once entered
    char *stack = nullptr; // a guard page, then kFiberStack bytes
    Wait wait = Wait::None;
    bool started = false; // has a context to resume
    bool entered = false; // has run, so `resume` is where it waits
  };

  /// Runs `f` until it waits or ends; back here through `scheduler`.
  [[gnu::noinline]] void enter(Fiber &f) {
    if (_setjmp(scheduler) != 0)
      return;
    if (f.entered)
      _longjmp(f.resume, 1);
    f.entered = true;
    setcontext(&f.context);
  }

  static size_t pageBytes() {
    static const size_t bytes = size_t(sysconf(_SC_PAGESIZE));
    return bytes;
  }

  bool grow(int32_t n) {
    if (!block) {
      block.reset(new (std::nothrow) BlockState);
      if (!block)
        return false;
    }
    if (fibers.size() < size_t(n))
      fibers.reserve(kMaxBlock); // contexts never move once made
    while (static_cast<int32_t>(fibers.size()) < n) {
      void *p = mmap(nullptr, kFiberStack + pageBytes(), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED)
        return false;
      mprotect(p, pageBytes(), PROT_NONE); // overflow faults, not corrupts
      fibers.emplace_back();
      fibers.back().stack = static_cast<char *>(p);
    }
    return true;
  }

  /// Where every fiber starts: it runs its thread of each block it is
  /// given, parking in between (so a block costs no new contexts). A later
  /// block may resume it on another OS thread (each launch drives the
  /// runners from new threads), so nothing here reads `current` after a
  /// switch: its runner is read once, and the hooks read it afresh.
  static void entry() {
    BlockRunner &r = *current.runner;
    for (;;) {
      r.kernel(r.kernelArgs);
      r.leave();
    }
  }

  /// The running thread returned: barriers now wait for one thread fewer.
  /// (Not inlined, like suspend: no TLS address may be kept across the
  /// switch in a caller's frame.)
  [[gnu::noinline]] void leave() {
    int32_t tid = current.tid;
    BlockState &b = *block;
    WarpState &w = b.warps[tid / kWarp];
    --w.live;
    if (w.arrived > 0 && w.arrived >= w.live)
      releaseWarp(tid / kWarp);
    --b.live;
    if (b.arrived > 0 && b.arrived >= b.live)
      releaseBlock();
    suspend(Wait::Done);
  }

  void releaseBlock() {
    block->arrived = 0;
    for (int32_t i = 0; i < block->ntidX; ++i)
      if (fibers[i].wait == Wait::Block)
        fibers[i].wait = Wait::None;
  }

  void releaseWarp(int32_t warp) {
    WarpState &w = block->warps[warp];
    w.arrived = 0;
    ++w.generation;
    // Every lane has left the shuffle before last, which used this row.
    w.wrote[w.generation & 1] = 0;
    int32_t end = std::min(block->ntidX, (warp + 1) * kWarp);
    for (int32_t i = warp * kWarp; i < end; ++i)
      if (fibers[i].wait == Wait::Warp)
        fibers[i].wait = Wait::None;
  }

  /// Switches back to the scheduler; the thread resumes once `wait` is
  /// None again (at once for None: the scheduler's next round).
  [[gnu::noinline]] void suspend(Wait wait) {
    int32_t tid = current.tid;
    fibers[tid].wait = wait;
    if (_setjmp(fibers[tid].resume) == 0)
      _longjmp(scheduler, 1);
  }

  std::vector<Fiber> fibers;
  std::unique_ptr<BlockState> block;
  jmp_buf scheduler;
  void (*kernel)(const lds_gpu_args *) = nullptr;
  const lds_gpu_args *kernelArgs = nullptr;
  const std::atomic<bool> *failed = nullptr;
};

class GpuEmulator final : public GpuBackend {
public:
  GpuEmulator(const lds_model *m, const lds_gpu_image *image)
      : model(m), image(image) {
    bindAllocFailureHook(m);
  }

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
    // cuMemAlloc's memory holds whatever was there: garbage (NaN as
    // floats), so that reading what no one wrote fails here too, not only
    // on a GPU (fresh host pages would read as zeros).
    std::memset(p, 0xff, rounded);
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

  lds_status maxThreads(GpuKernel, const char *, int *out) override {
    if (!limit)
      return fail(LDS_ERR_INVALID_ARGUMENT,
                  "lds_solve: GPU emulator: LDS_GPU_EMULATE_MAX_THREADS must "
                  "be a number of threads from 1 to %d",
                  kMaxBlock);
    *out = limit;
    return LDS_OK;
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
    if (blockX > limit)
      return fail(LDS_ERR_DEVICE,
                  "lds_solve: GPU emulator: launch of %s with block %d: too "
                  "many resources requested for launch (the kernel allows %d "
                  "threads a block)",
                  name, blockX, limit);
    auto fn = reinterpret_cast<void (*)(const lds_gpu_args *)>(k);
    const auto *a = reinterpret_cast<const lds_gpu_args *>(args);
    const int64_t blocks = gridX * gridY;
    std::atomic<int64_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex firstMutex; // the first block that failed, and how
    int64_t firstBlock = -1;
    BlockRunner::Outcome firstOutcome = BlockRunner::Outcome::Ok;
    // The host functions the kernels call are CPU code: one whose heap
    // block could not be allocated calls the model's hook on the OS thread
    // that ran it (a fiber may resume on another runner's thread, which
    // checks after its own blocks), and returns without computing.
    std::atomic<int64_t> allocFailure{0};
    // A runner takes the grid's next block until none is left, or one
    // failed (then blocks that wait for it give up too).
    auto drive = [&](BlockRunner &r) {
      for (int64_t i; !failed && (i = next.fetch_add(1)) < blocks;) {
        auto outcome =
            r.run(fn, a, static_cast<int32_t>(i % gridX),
                  static_cast<int32_t>(i / gridX), static_cast<int32_t>(gridX),
                  static_cast<int32_t>(gridY), blockX, &failed);
        if (int64_t bytes = takeAllocFailure())
          allocFailure.store(bytes);
        if (outcome == BlockRunner::Outcome::Ok)
          continue;
        std::lock_guard<std::mutex> lock(firstMutex);
        if (!failed.exchange(true)) {
          firstBlock = i;
          firstOutcome = outcome;
        }
      }
    };
    std::vector<std::thread> helpers;
    int64_t extra = std::min<int64_t>(kConcurrentBlocks, blocks) - 1;
    for (int64_t r = 1; r <= extra; ++r)
      helpers.emplace_back(drive, std::ref(runners[r]));
    drive(runners[0]);
    for (std::thread &t : helpers)
      t.join();
    if (int64_t bytes = allocFailure.load())
      return allocFailureStatus(model, bytes, "lds_solve");
    if (firstOutcome == BlockRunner::Outcome::NoMemory)
      return fail(LDS_ERR_OUT_OF_MEMORY,
                  "lds_solve: GPU emulator: out of memory for a block");
    if (firstOutcome == BlockRunner::Outcome::Deadlock)
      return fail(LDS_ERR_DEVICE,
                  "lds_solve: GPU emulator: kernel %s deadlocked in block "
                  "(%lld, %lld): each of its threads still running waits at "
                  "a barrier or a shuffle that the others do not reach",
                  name, static_cast<long long>(firstBlock % gridX),
                  static_cast<long long>(firstBlock / gridX));
    return LDS_OK;
  }
  lds_status synchronize() override { return LDS_OK; }

private:
  const lds_model *model;
  const lds_gpu_image *image;
  const int limit = threadLimit();
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
  GpuEmulator *e = new (std::nothrow) GpuEmulator(m, image);
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
  if (current.runner)
    current.runner->blockBarrier();
}

static uint64_t shuffleUp(uint64_t bits, int32_t delta) {
  return current.runner ? current.runner->shuffleUp(bits, delta) : bits;
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
  // to the blocks they wait for rather than burn it, and let the block's
  // other threads run.
  if (v == 0) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
    if (current.runner)
      current.runner->yield();
  }
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
