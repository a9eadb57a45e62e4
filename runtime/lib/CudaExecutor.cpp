//===- CudaExecutor.cpp - runs a solve's GPU kernels ----------------------===//
//
// The GPU counterpart of CpuExecutor.cpp, driven by the same iteration
// driver. One fixed-point iteration of the sequences of one solver is one
// launch of the solver's iterate kernel where the model has one (a single
// pass with decoupled look-back across blocks), else three launches of the
// model's kernels (model_abi.h, "GPU kernels"):
//
//   reduce  thread (chunk, item): each chunk's composed affine map -> agg
//   scan    block per item: exclusive scan of the maps applied to the row
//           before the window -> carry, x at the row before each chunk
//   sweep   thread (chunk, item): the new iterate from the chunk's carry,
//           the stopping test against the current iterate, the first
//           failing row (atomic min) and a non-finite flag per item
//
// For a solver with cooperative kernels (coop_block > 0: Newton at large
// D), reduce and sweep take a block per (chunk, item) and the scan a block
// per item, whose threads share each step's D x D work through block
// scratch in device memory (kScratchBudget bounds it, and so the chunks).
//
// then the host reads the first failing rows (the new fronts), and a
// residual launch over the rows each item finalised gives the
// max |x_t - f(x_{t-1})| of the stats. Work items are grouped by solver
// (each solver has its own kernels) and by where their iterate lives: as on
// the CPU, a sequence's current and next iterate alternate between the
// device copy of `states` (which holds its final rows) and one scratch
// copy, and finalised rows are copied (on the device) to `states` once.
//
// Memory on the device: the states (unless the caller's are already there),
// the second iterate, x0, inputs and params (unless already there), the
// stopping-test values ([batch][T]), per-chunk maps and carries (at most
// kAggBudget bytes; their number bounds the chunks) or the iterate kernels'
// per-block tiles and flags, the cooperative blocks' scratch, and per-item
// words.
//
// No block has more threads than the device allows its kernel
// (cuFuncGetAttribute: a kernel using many registers allows fewer than
// 1024): the scan's, the thread-per-chunk kernels' and the cooperative
// kernels' blocks shrink to a multiple of 32 (all of them read their block
// size), and a solver whose iterate kernel cannot have its compiled block
// size takes the three launches.
//
//===----------------------------------------------------------------------===//

#include "CudaExecutor.h"
#include "Error.h"
#include "SolverPolicy.h"
#include "Values.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <set>
#include <string>
#include <tuple>
#include <vector>

using namespace lds;

namespace {

/// A chunk has at least this many rows: shorter ones cost more in maps
/// (reduce and scan) than their parallelism saves.
constexpr int64_t kMinGpuChunkRows = 4;
/// Rows of a chunk of the channel iterate kernels (at most): the sweep
/// reads again the rows the reduce read, and short chunks keep them in
/// cache: 16 resident blocks of 4 chunks x 32 channels x 16 rows, guess and
/// input, are 256 KiB an SM (H100's L1). Not yet tuned on a GPU.
constexpr int64_t kChannelIterateRows = 16;
/// Bytes of chunk maps (agg) a launch may use: it bounds the chunks of a
/// Newton iteration at large D (a map is D*D + D values).
constexpr int64_t kAggBudget = int64_t(256) << 20;
/// Bytes of block scratch the cooperative kernels of a launch may use: a
/// block's holds the step's D x D temporaries (5.8 MB for Langevin at
/// D = 256, so 16 sequences get 46 chunks each: about 740 blocks).
constexpr int64_t kScratchBudget = int64_t(4) << 30;
/// Threads of a reduce, sweep, residual or sequential block.
constexpr int kBlock = 128;
/// Items in one launch (grid.y).
constexpr int64_t kMaxItemsPerLaunch = 65535;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// Rows per chunk set by LDS_GPU_CHUNK_ROWS (a testing aid: small chunks
/// make short test problems use many chunks, warps and scan blocks), or 0.
int64_t chunkRowsOverride() {
  const char *v = std::getenv("LDS_GPU_CHUNK_ROWS");
  if (!v || !*v)
    return 0;
  long long n = std::atoll(v);
  return n > 0 ? n : 0;
}

/// False if LDS_GPU_ITERATE=0 (a testing and benchmarking aid): every
/// iteration then takes the three launches even where an iterate kernel
/// exists.
bool iterateKernelsWanted() {
  const char *v = std::getenv("LDS_GPU_ITERATE");
  return !v || std::strcmp(v, "0") != 0;
}

/// True if LDS_GPU_TRACE=1 (a benchmarking and debugging aid): the process
/// then tells stderr of each launch configuration (kernel, grid, block) the
/// first time one is launched.
bool launchTraceWanted() {
  const char *v = std::getenv("LDS_GPU_TRACE");
  return v && std::strcmp(v, "1") == 0;
}

/// Whether the configuration is new to this process (and now known).
bool firstLaunchOf(const void *kernel, const char *device, const char *name,
                   int64_t gridX, int64_t gridY, int block) {
  static std::mutex mutex;
  static std::set<
      std::tuple<const void *, std::string, std::string, int64_t, int64_t, int>>
      seen;
  std::lock_guard<std::mutex> lock(mutex);
  return seen.emplace(kernel, device, name, gridX, gridY, block).second;
}

/// False if LDS_GPU_CHANNELS=0 (a testing and benchmarking aid): the row
/// kernels then serve where a model also has channel kernels (a solver with
/// only channel kernels still runs them).
bool channelKernelsWanted() {
  const char *v = std::getenv("LDS_GPU_CHANNELS");
  return !v || std::strcmp(v, "0") != 0;
}

enum KernelSlot {
  kReduce,
  kScan,
  kSweep,
  kIterate,
  // The channel kernels (a thread per state channel).
  kReduceChannels,
  kScanChannels,
  kSweepChannels,
  kIterateChannels,
  kNumSolverKernels
};

/// "newton_reduce": a solver kernel's name after "lds_gpu_<model>_".
const char *solverKernelSuffix(lds_solver s, KernelSlot k) {
  static const std::vector<std::string> names = [] {
    const char *solvers[] = {"jacobi", "picard", "quasi_newton", "newton"};
    const char *kernels[kNumSolverKernels] = {
        "reduce",    "scan",    "sweep",    "iterate",
        "reduce_ch", "scan_ch", "sweep_ch", "iterate_ch"};
    std::vector<std::string> out;
    for (const char *solver : solvers)
      for (const char *kernel : kernels)
        out.push_back(std::string(solver) + "_" + kernel);
    return out;
  }();
  return names[(s - LDS_SOLVER_JACOBI) * kNumSolverKernels + k].c_str();
}

/// One launch's items: a contiguous range of the per-item arrays sharing a
/// solver and the buffer their iterate is in.
struct Launch {
  lds_solver solver;
  bool guessInSpare;
  int64_t first, count; // items [first, first + count)
  int64_t chunkRows, chunks;
  /// The chunks that run at once (for the cost guard): `chunks`, but for
  /// the channel iterate kernels' short chunks, which outnumber the lanes.
  int64_t parallelChunks = 0;
  /// Threads of an iterate block, or 0: three launches.
  int iterateBlock = 0;
  /// Threads of a cooperative block (a block per chunk), or 0: a thread
  /// per chunk.
  int coopBlock = 0;
  /// The channel kernels: a thread per channel of a chunk.
  bool channels = false;
  /// Where its tile flags and tickets start among the iteration's (int32
  /// words), and its tiles (bytes).
  int64_t flagFirst = 0, ticketFirst = 0, tileByte = 0;
  /// Chunks of an iterate block: a thread's each, or a warp's (channels).
  int64_t chunksPerBlock() const {
    return channels ? iterateBlock / 32 : iterateBlock;
  }
  int64_t blocks() const {
    return (chunks + chunksPerBlock() - 1) / chunksPerBlock();
  }
};

class CudaExecutor final : public GpuExecutor {
public:
  CudaExecutor(const Problem &p, GpuBackend *backend)
      : p(p), m(p.model), dev(backend) {}
  ~CudaExecutor() override {
    for (DevPtr q : owned)
      dev->release(q);
    delete dev;
  }

  lds_status init();

  int64_t lanes() const override { return dev->lanes(); }
  lds_status prepareIterative(const void *initialGuess) override;
  lds_status iterate(const SequenceWork *work, int64_t n,
                     IterationOutcome *out) override;
  lds_status restart(const SequenceWork *work, int64_t n) override;
  lds_status sequential(const SequenceWork *work, int64_t n,
                        int64_t *firstNonfinite) override;
  lds_status finishUnconverged(const SequenceWork *work, int64_t n,
                               double *residual) override;
  lds_status finish() override;

private:
  lds_status allocate(int64_t bytes, DevPtr *out) {
    if (lds_status s = dev->allocate(bytes, out))
      return s;
    owned.push_back(*out);
    return LDS_OK;
  }
  /// The caller's `bytes` at `host` on the device: the pointer itself if
  /// it is device memory, else a copy.
  lds_status upload(const void *host, int64_t bytes, DevPtr *out) {
    if (dev->isDevicePointer(host)) {
      *out = reinterpret_cast<uintptr_t>(host);
      return LDS_OK;
    }
    if (lds_status s = allocate(bytes, out))
      return s;
    return dev->copyToDevice(*out, host, bytes);
  }
  lds_status kernelFor(lds_solver s, KernelSlot k, GpuKernel *out);
  lds_status namedKernel(const char *suffix, GpuKernel *cache, GpuKernel *out);
  /// `wanted` threads for a block of `k` (named by `suffix`), or the most
  /// the device allows it if fewer (its registers; a multiple of a warp).
  lds_status blockFor(GpuKernel k, const char *suffix, int64_t wanted,
                      int *out);
  /// kernelFor and blockFor of one solver kernel.
  lds_status solverBlockFor(lds_solver s, KernelSlot k, int64_t wanted,
                            GpuKernel *kernel, int *block);
  /// The threads a block of `k` may have, as the device said; 0 if not
  /// asked yet.
  int threadLimitOf(GpuKernel k) const;
  /// "lds_gpu_<model>_<suffix>" in `out`.
  void kernelName(char (&out)[256], const char *suffix) const {
    std::snprintf(out, sizeof(out), "lds_gpu_%s_%s", m->name, suffix);
  }

  DevPtr stateRow(DevPtr base, int64_t seq, int64_t row) const {
    return base + (seq * p.T + row) * rowBytes;
  }
  DevPtr xIn(int64_t seq, int64_t front) const {
    return front == 0 ? x0 + seq * rowBytes : stateRow(states, seq, front - 1);
  }
  lds_status fillRows(DevPtr dst, DevPtr row, int64_t rows);

  /// Writes the items' seq, lo, hi, first_bad = T, nonfinite = 0 and
  /// residual = 0 to the device (hi: `hi[j]`, or T if null).
  lds_status uploadItems(const SequenceWork *work, const int64_t *hi,
                         int64_t n);
  lds_gpu_args argsFor(const Launch &l, DevPtr guess, DevPtr out) const;
  lds_status launchKernel(GpuKernel k, const char *suffix,
                          const lds_gpu_args &a, int64_t gridX, int64_t gridY,
                          int block);
  lds_status flushLaunches();
  lds_status launchIteration(const Launch &l);
  /// The channel kernels' three launches: reduce_ch and sweep_ch a thread
  /// per (channel, chunk), scan_ch a thread per channel.
  lds_status launchChannelIteration(const Launch &l, const lds_gpu_args &a);
  lds_status launchResidual(const Launch &l, DevPtr rows, int64_t maxRows);
  lds_status launchSequential(int64_t first, int64_t count);
  lds_status downloadItems(int64_t n);
  lds_status ensureBuffer(DevPtr &buffer, int64_t &size, int64_t need);

  Problem p;
  const lds_model *m;
  GpuBackend *dev;
  std::vector<DevPtr> owned;
  int64_t es = 0, d = 0, rowBytes = 0;
  bool statesOnDevice = false;

  DevPtr x0 = 0, states = 0, spare = 0, excess = 0;
  DevPtr inputTable = 0, paramTable = 0, args = 0;
  DevPtr items = 0; // seq, lo, hi, first_bad: [batch] int64 each; residual
                    // [batch] of the float type; nonfinite [batch] int32
  DevPtr agg = 0, carry = 0, tile = 0, tileFlags = 0, scratch = 0;
  int64_t aggBytes = 0, carryBytes = 0, tileBytes = 0, tileFlagBytes = 0,
          scratchBytes = 0;
  bool useIterate = iterateKernelsWanted();
  bool useChannels = channelKernelsWanted();
  /// Groups of 32 state channels (a channel iterate block's lanes).
  int64_t channelGroups() const { return (d + 31) / 32; }
  /// The work items of an iterate launch (its grid.y): its items, or their
  /// groups of 32 channels.
  int64_t iterateItems(const Launch &l) const {
    return l.channels ? l.count * channelGroups() : l.count;
  }
  /// Whether slot `s` (sequential, or a solver) runs its channel kernels:
  /// where it has them, unless LDS_GPU_CHANNELS=0 asks for the row kernels
  /// and they exist.
  bool channelsFor(int s) const {
    int32_t channels = m->gpu->channels[s];
    return channels == LDS_GPU_CHANNELS_ONLY || (useChannels && channels != 0);
  }
  int64_t itemCapacity = 0;

  std::vector<uint8_t> inSpare; // per sequence: its iterate is in `spare`
  std::vector<int64_t> hItems;  // host copy of the int64 item arrays
  std::vector<char> hResidual;
  std::vector<int32_t> hNonfinite;
  std::vector<SequenceWork> sorted;
  std::vector<int64_t> sortedIndex, hi;
  std::vector<Launch> launches;
  struct PendingLaunch {
    GpuKernel kernel;
    const char *suffix;
    lds_gpu_args args;
    int64_t gridX, gridY;
    int block;
  };
  std::vector<PendingLaunch> pending; // queued by launchKernel
  std::vector<lds_gpu_args> argsHost;
  int64_t argsCapacity = 0;

  GpuKernel solverKernels[LDS_NUM_SOLVER_SLOTS][kNumSolverKernels] = {};
  GpuKernel sequentialKernel = nullptr, sequentialChannelKernel = nullptr,
            residualKernel = nullptr;
  std::vector<std::pair<GpuKernel, int>> threadLimits; // by blockFor
  bool trace = launchTraceWanted();
};

lds_status CudaExecutor::init() {
  d = m->state_dim;
  es = elementSize(m->dtype);
  rowBytes = d * es;
  itemCapacity = p.batch;
  int64_t perSequence = p.T * rowBytes;
  if (lds_status s = upload(p.x0, p.batch * rowBytes, &x0))
    return s;
  std::vector<uint64_t> table(m->num_inputs + m->num_params + 1);
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    const lds_tensor_info &in = m->inputs[i];
    DevPtr ptr;
    int64_t bytes = p.batch * p.T * in.size * elementSize(in.dtype);
    if (lds_status s = upload(p.inputs[i], bytes, &ptr))
      return s;
    table[i] = ptr;
  }
  for (int32_t i = 0; i < m->num_params; ++i) {
    DevPtr ptr;
    if (lds_status s = upload(p.params[i], m->params[i].size * es, &ptr))
      return s;
    table[m->num_inputs + i] = ptr;
  }
  int64_t tableBytes = static_cast<int64_t>(table.size()) * 8;
  DevPtr tables;
  if (lds_status s = allocate(tableBytes, &tables))
    return s;
  if (lds_status s = dev->copyToDevice(tables, table.data(), tableBytes))
    return s;
  inputTable = tables;
  paramTable = tables + 8 * m->num_inputs;

  statesOnDevice = dev->isDevicePointer(p.states);
  if (statesOnDevice)
    states = reinterpret_cast<uintptr_t>(p.states);
  else if (lds_status s = allocate(p.batch * perSequence, &states))
    return s;
  if (lds_status s = allocate(itemCapacity * (5 * 8 + 4), &items))
    return s;
  argsCapacity = 16;
  if (lds_status s = allocate(argsCapacity * sizeof(lds_gpu_args), &args))
    return s;
  inSpare.assign(p.batch, 0);
  hItems.resize(4 * itemCapacity);
  hResidual.resize(itemCapacity * 8);
  hNonfinite.resize(itemCapacity);
  hi.resize(itemCapacity);
  return LDS_OK;
}

lds_status CudaExecutor::namedKernel(const char *suffix, GpuKernel *cache,
                                     GpuKernel *out) {
  if (!*cache) {
    char name[256];
    kernelName(name, suffix);
    if (lds_status s = dev->kernel(m->gpu, name, cache))
      return s;
  }
  *out = *cache;
  return LDS_OK;
}

lds_status CudaExecutor::kernelFor(lds_solver s, KernelSlot k, GpuKernel *out) {
  return namedKernel(solverKernelSuffix(s, k), &solverKernels[s][k], out);
}

int CudaExecutor::threadLimitOf(GpuKernel k) const {
  for (const auto &[kernel, most] : threadLimits)
    if (kernel == k)
      return most;
  return 0;
}

lds_status CudaExecutor::blockFor(GpuKernel k, const char *suffix,
                                  int64_t wanted, int *out) {
  int most = threadLimitOf(k);
  if (!most) {
    char name[256];
    kernelName(name, suffix);
    if (lds_status s = dev->maxThreads(k, name, &most))
      return s;
    if (most < 32)
      return fail(LDS_ERR_DEVICE,
                  "lds_solve: kernel %s allows only %d threads a block on "
                  "this device; it needs a warp (32)",
                  name, most);
    threadLimits.emplace_back(k, most);
  }
  *out = static_cast<int>(std::min<int64_t>(wanted, most / 32 * 32));
  return LDS_OK;
}

lds_status CudaExecutor::solverBlockFor(lds_solver s, KernelSlot k,
                                        int64_t wanted, GpuKernel *kernel,
                                        int *block) {
  if (lds_status st = kernelFor(s, k, kernel))
    return st;
  return blockFor(*kernel, solverKernelSuffix(s, k), wanted, block);
}

/// Copies `row` (D values) to `rows` consecutive rows at `dst`, doubling
/// the copied block each time (log2(rows) copies).
lds_status CudaExecutor::fillRows(DevPtr dst, DevPtr row, int64_t rows) {
  if (rows <= 0)
    return LDS_OK;
  if (lds_status s = dev->copyOnDevice(dst, row, rowBytes))
    return s;
  for (int64_t done = 1; done < rows;) {
    int64_t n = std::min(done, rows - done);
    if (lds_status s =
            dev->copyOnDevice(dst + done * rowBytes, dst, n * rowBytes))
      return s;
    done += n;
  }
  return LDS_OK;
}

lds_status CudaExecutor::prepareIterative(const void *initialGuess) {
  int64_t perSequence = p.T * rowBytes;
  if (lds_status s = allocate(p.batch * perSequence, &spare))
    return s;
  if (lds_status s = allocate(p.batch * p.T * es, &excess))
    return s;
  std::fill(inSpare.begin(), inSpare.end(), 0);
  if (initialGuess) {
    if (initialGuess == p.states && statesOnDevice)
      return LDS_OK; // a warm start in place
    if (dev->isDevicePointer(initialGuess))
      return dev->copyOnDevice(states,
                               reinterpret_cast<uintptr_t>(initialGuess),
                               p.batch * perSequence);
    return dev->copyToDevice(states, initialGuess, p.batch * perSequence);
  }
  for (int64_t b = 0; b < p.batch; ++b)
    if (lds_status s = fillRows(stateRow(states, b, 0), xIn(b, 0), p.T))
      return s;
  return LDS_OK;
}

lds_status CudaExecutor::uploadItems(const SequenceWork *work,
                                     const int64_t *hiRows, int64_t n) {
  int64_t *seq = hItems.data(), *lo = seq + n, *h = lo + n, *bad = h + n;
  for (int64_t j = 0; j < n; ++j) {
    seq[j] = work[j].seq;
    lo[j] = work[j].front;
    h[j] = hiRows ? hiRows[j] : p.T;
    bad[j] = p.T;
  }
  // Layout for n items: seq, lo, hi, first_bad (n each), residual, nonfinite.
  if (lds_status s = dev->copyToDevice(items, hItems.data(), 4 * n * 8))
    return s;
  return dev->memset8(items + 4 * n * 8, 0, n * (8 + 4));
}

lds_status CudaExecutor::downloadItems(int64_t n) {
  // What the host reads is written by the queued launches.
  if (lds_status s = flushLaunches())
    return s;
  if (lds_status s =
          dev->copyToHost(hItems.data() + 3 * n, items + 3 * n * 8, n * 8))
    return s;
  if (lds_status s =
          dev->copyToHost(hResidual.data(), items + 4 * n * 8, n * 8))
    return s;
  return dev->copyToHost(hNonfinite.data(), items + 5 * n * 8, n * 4);
}

lds_gpu_args CudaExecutor::argsFor(const Launch &l, DevPtr guess,
                                   DevPtr out) const {
  // The per-item arrays are bound by bindItems.
  lds_gpu_args a;
  std::memset(&a, 0, sizeof(a));
  a.T = p.T;
  a.n = l.count;
  a.chunk_len = l.chunkRows;
  a.num_chunks = l.chunks;
  a.x0 = reinterpret_cast<const void *>(x0);
  a.inputs = reinterpret_cast<const void *const *>(inputTable);
  a.params = reinterpret_cast<const void *const *>(paramTable);
  a.final_rows = reinterpret_cast<const void *>(states);
  a.guess = reinterpret_cast<const void *>(guess);
  a.out = reinterpret_cast<void *>(out);
  a.agg = reinterpret_cast<void *>(agg);
  a.carry = reinterpret_cast<void *>(carry);
  a.excess = reinterpret_cast<void *>(excess);
  a.scratch = reinterpret_cast<void *>(scratch);
  if (l.iterateBlock) {
    // Each iterate launch's flags (a word per block, or per lane of a
    // channel block), then its tickets (a word per item or channel group).
    a.tile = reinterpret_cast<void *>(tile + l.tileByte);
    a.tile_flag = reinterpret_cast<int32_t *>(tileFlags + l.flagFirst * 4);
    a.ticket = reinterpret_cast<int32_t *>(tileFlags + l.ticketFirst * 4);
  }
  a.atol = p.atol;
  a.rtol = p.rtol;
  return a;
}

lds_status CudaExecutor::launchKernel(GpuKernel k, const char *suffix,
                                      const lds_gpu_args &a, int64_t gridX,
                                      int64_t gridY, int block) {
  pending.push_back({k, suffix, a, gridX, gridY, block});
  return LDS_OK;
}

lds_status CudaExecutor::flushLaunches() {
  // The queued launches' args go to the device in one copy (a copy from
  // pageable memory waits for the stream), then the launches, in order.
  int64_t count = static_cast<int64_t>(pending.size());
  if (count > argsCapacity) {
    if (lds_status s = dev->synchronize())
      return s;
    if (args) {
      dev->release(args);
      owned.erase(std::find(owned.begin(), owned.end(), args));
      args = 0;
    }
    argsCapacity = std::max<int64_t>(count, 2 * argsCapacity);
    if (lds_status s = allocate(argsCapacity * sizeof(lds_gpu_args), &args))
      return s;
  }
  argsHost.resize(count);
  for (int64_t i = 0; i < count; ++i)
    argsHost[i] = pending[i].args;
  if (lds_status s = dev->copyToDevice(args, argsHost.data(),
                                       count * sizeof(lds_gpu_args)))
    return s;
  for (int64_t i = 0; i < count; ++i) {
    const PendingLaunch &l = pending[i];
    char name[256];
    kernelName(name, l.suffix);
    if (trace &&
        firstLaunchOf(l.kernel, dev->name(), name, l.gridX, l.gridY, l.block))
      std::fprintf(stderr,
                   "lds_solve: %s launch of %s: grid (%lld, %lld), %d threads "
                   "a block (the kernel allows %d)\n",
                   dev->name(), name, static_cast<long long>(l.gridX),
                   static_cast<long long>(l.gridY), l.block,
                   threadLimitOf(l.kernel));
    if (lds_status s = dev->launch(l.kernel, name, l.gridX, l.gridY, l.block,
                                   args + i * sizeof(lds_gpu_args))) {
      pending.clear();
      return s;
    }
  }
  pending.clear();
  return LDS_OK;
}

/// Sets the per-item pointers of `a` for items [first, first + count) of a
/// call with `n` items.
void bindItems(lds_gpu_args &a, DevPtr items, int64_t n, int64_t first,
               int64_t es) {
  auto at = [&](int64_t offset) { return items + offset; };
  a.seq = reinterpret_cast<const int64_t *>(at((0 * n + first) * 8));
  a.lo = reinterpret_cast<const int64_t *>(at((1 * n + first) * 8));
  a.hi = reinterpret_cast<const int64_t *>(at((2 * n + first) * 8));
  a.first_bad = reinterpret_cast<int64_t *>(at((3 * n + first) * 8));
  a.residual = reinterpret_cast<void *>(at(4 * n * 8 + first * es));
  a.nonfinite = reinterpret_cast<int32_t *>(at(5 * n * 8 + first * 4));
}

lds_status CudaExecutor::ensureBuffer(DevPtr &buffer, int64_t &size,
                                      int64_t need) {
  if (need <= size)
    return LDS_OK;
  // Earlier launches may still read the old buffer.
  if (lds_status s = dev->synchronize())
    return s;
  if (buffer) {
    dev->release(buffer);
    owned.erase(std::find(owned.begin(), owned.end(), buffer));
    buffer = 0;
    size = 0;
  }
  if (lds_status s = allocate(need, &buffer))
    return s;
  size = need;
  return LDS_OK;
}

lds_status CudaExecutor::iterate(const SequenceWork *work, int64_t n,
                                 IterationOutcome *out) {
  // Group the items by (solver, iterate buffer): the launches' ranges.
  sorted.clear();
  sortedIndex.clear();
  launches.clear();
  int64_t forced = chunkRowsOverride();
  for (int s = LDS_SOLVER_JACOBI; s <= LDS_SOLVER_NEWTON; ++s)
    for (int where = 0; where < 2; ++where) {
      int64_t first = static_cast<int64_t>(sorted.size());
      int64_t window = 0;
      for (int64_t j = 0; j < n; ++j)
        if (work[j].solver == s && inSpare[work[j].seq] == where) {
          sorted.push_back(work[j]);
          sortedIndex.push_back(j);
          window = std::max(window, p.T - work[j].front);
        }
      int64_t total = static_cast<int64_t>(sorted.size()) - first;
      // grid.y is the items, or their channel groups (iterate_ch); past
      // 32 * 65535 channels one item's groups do not fit, and the three
      // channel launches serve.
      bool channels = channelsFor(s);
      bool groupsFit = channelGroups() <= kMaxItemsPerLaunch;
      int64_t perLaunch = channels && groupsFit
                              ? kMaxItemsPerLaunch / channelGroups()
                              : kMaxItemsPerLaunch;
      for (int64_t k = 0; k < total; k += perLaunch) {
        int64_t count = std::min(perLaunch, total - k);
        int64_t aSize = m->solvers[s].a_size;
        int64_t perChunk = (aSize + d) * es * count;
        // A cooperative block takes the place of its threads: coop_block,
        // or fewer where the kernel's registers allow fewer.
        lds_solver solver = static_cast<lds_solver>(s);
        GpuKernel kernel;
        int coop = m->gpu->coop_block[s];
        if (coop)
          if (lds_status st =
                  solverBlockFor(solver, kReduce, coop, &kernel, &coop))
            return st;
        int64_t coopScratch = m->gpu->coop_scratch[s];
        // Threads a chunk takes: a block, a thread per channel, or one.
        int64_t threads = coop ? coop : channels ? d : 1;
        int64_t chunks = std::max<int64_t>(
            1, std::min({ceilDiv(lanes() / threads, count),
                         ceilDiv(window, kMinGpuChunkRows),
                         kAggBudget / std::max<int64_t>(perChunk, 1),
                         coop ? kScratchBudget / (coopScratch * count)
                              : std::numeric_limits<int64_t>::max()}));
        int64_t rows = ceilDiv(window, chunks);
        if (forced)
          rows = std::max(forced, ceilDiv(window * perChunk, kAggBudget));
        chunks = ceilDiv(window, rows);
        Launch l{static_cast<lds_solver>(s),
                 where == 1,
                 first + k,
                 count,
                 rows,
                 chunks};
        l.channels = channels;
        int32_t iterateBlock = channels ? m->gpu->channel_iterate_block[s]
                                        : m->gpu->iterate_block[s];
        if (useIterate && iterateBlock && (!channels || groupsFit)) {
          // The iterate kernel's blocks have exactly iterate_block threads;
          // where its registers allow fewer, the three launches serve.
          int block;
          if (lds_status st =
                  solverBlockFor(solver, channels ? kIterateChannels : kIterate,
                                 iterateBlock, &kernel, &block))
            return st;
          if (block == iterateBlock)
            l.iterateBlock = block;
        }
        l.parallelChunks = l.chunks;
        if (l.iterateBlock && channels && !forced &&
            l.chunkRows > kChannelIterateRows) {
          l.chunkRows = kChannelIterateRows;
          l.chunks = ceilDiv(window, l.chunkRows);
        }
        l.coopBlock = coop;
        launches.push_back(l);
      }
    }
  // Chunk buffers for the largest three-launch iteration, and tiles for
  // every iterate launch, before any launch uses them.
  int64_t maxAgg = 0, maxCarry = 0, flagWords = 0, tileByte = 0, maxScratch = 0;
  for (Launch &l : launches) {
    int64_t slot = m->solvers[l.solver].a_size + d;
    if (l.coopBlock)
      maxScratch = std::max(maxScratch, l.count * l.chunks *
                                            m->gpu->coop_scratch[l.solver]);
    if (l.iterateBlock) {
      // Row tiles: a flag and (A, b, x) per block of an item. Channel
      // tiles: per block of an item's group of 32 channels, a flag and
      // (a, b, x) per lane (model_abi.h).
      int64_t items = iterateItems(l);
      int64_t flags = l.channels ? 32 : 1;
      int64_t values = l.channels ? 32 * (slot / d + 1) : slot + d;
      l.flagFirst = flagWords;
      flagWords += items * l.blocks() * flags;
      l.ticketFirst = flagWords;
      flagWords += items;
      l.tileByte = tileByte;
      tileByte += items * l.blocks() * values * es;
      continue;
    }
    maxAgg = std::max(maxAgg, l.count * l.chunks * slot);
    maxCarry = std::max(maxCarry, l.count * l.chunks * d);
  }
  if (lds_status s = ensureBuffer(agg, aggBytes, maxAgg * es))
    return s;
  if (lds_status s = ensureBuffer(carry, carryBytes, maxCarry * es))
    return s;
  if (lds_status s = ensureBuffer(scratch, scratchBytes, maxScratch))
    return s;
  if (flagWords) {
    if (lds_status s = ensureBuffer(tile, tileBytes, tileByte))
      return s;
    // Each launch's flags, then its tickets; all 0 before the launches.
    if (lds_status s = ensureBuffer(tileFlags, tileFlagBytes, flagWords * 4))
      return s;
    if (lds_status s = dev->memset8(tileFlags, 0, flagWords * 4))
      return s;
  }
  if (lds_status s = uploadItems(sorted.data(), nullptr, n))
    return s;
  for (const Launch &l : launches)
    if (lds_status s = launchIteration(l))
      return s;
  if (lds_status s = downloadItems(n))
    return s;

  // The new fronts; then the residuals of the rows they finalised.
  const int64_t *lo = hItems.data() + n, *bad = hItems.data() + 3 * n;
  std::vector<int32_t> nonfinite(hNonfinite.begin(), hNonfinite.begin() + n);
  for (int64_t j = 0; j < n; ++j)
    hi[j] = std::min(std::max(bad[j], lo[j]), p.T);
  if (lds_status s = uploadItems(sorted.data(), hi.data(), n))
    return s;
  for (const Launch &l : launches) {
    int64_t maxRows = 0;
    for (int64_t j = l.first; j < l.first + l.count; ++j)
      maxRows = std::max(maxRows, hi[j] - sorted[j].front);
    // The new iterate is in the buffer the guess was not in.
    if (maxRows > 0)
      if (lds_status s =
              launchResidual(l, l.guessInSpare ? states : spare, maxRows))
        return s;
  }
  if (lds_status s = downloadItems(n))
    return s;

  for (const Launch &l : launches)
    for (int64_t j = l.first; j < l.first + l.count; ++j) {
      const SequenceWork &w = sorted[j];
      IterationOutcome o;
      o.newFront = hi[j];
      o.nonfinite = nonfinite[j] != 0;
      o.finalResidual = readScalar(hResidual.data() + j * es, m->dtype);
      o.lanes = l.parallelChunks;
      if (hNonfinite[j]) {
        // A finalised row's f is not finite: the sequential pass from the
        // front reproduces (and reports) what the trajectory does there.
        o.newFront = w.front;
        o.finalResidual = 0;
        o.nonfinite = true;
      }
      if (o.newFront == w.front)
        o.nonfinite = true; // only a non-finite first row stops there
      if (!l.guessInSpare && o.newFront > w.front)
        if (lds_status s = dev->copyOnDevice(stateRow(states, w.seq, w.front),
                                             stateRow(spare, w.seq, w.front),
                                             (o.newFront - w.front) * rowBytes))
          return s;
      inSpare[w.seq] ^= 1;
      out[sortedIndex[j]] = o;
    }
  return LDS_OK;
}

lds_status CudaExecutor::launchIteration(const Launch &l) {
  DevPtr guess = l.guessInSpare ? spare : states;
  DevPtr next = l.guessInSpare ? states : spare;
  lds_gpu_args a = argsFor(l, guess, next);
  bindItems(a, items, static_cast<int64_t>(sorted.size()), l.first, es);
  if (l.iterateBlock) {
    KernelSlot k = l.channels ? kIterateChannels : kIterate;
    GpuKernel iterate;
    if (lds_status s = kernelFor(l.solver, k, &iterate))
      return s;
    int64_t items = iterateItems(l);
    return launchKernel(iterate, solverKernelSuffix(l.solver, k), a, l.blocks(),
                        items, l.iterateBlock);
  }
  if (l.channels)
    return launchChannelIteration(l, a);
  // A thread per chunk, or a cooperative block per chunk (and per item
  // for the scan); no more threads a block than a kernel's registers allow.
  int64_t warps = ceilDiv(l.chunks, 32) * 32;
  int64_t wanted = l.coopBlock ? l.coopBlock : std::min<int64_t>(kBlock, warps);
  int64_t wantedScan =
      l.coopBlock ? l.coopBlock : std::min<int64_t>(m->gpu->scan_block, warps);
  GpuKernel reduce, scan, sweep;
  int reduceBlock, scanBlock, sweepBlock;
  if (lds_status s =
          solverBlockFor(l.solver, kReduce, wanted, &reduce, &reduceBlock))
    return s;
  if (lds_status s =
          solverBlockFor(l.solver, kScan, wantedScan, &scan, &scanBlock))
    return s;
  if (lds_status s =
          solverBlockFor(l.solver, kSweep, wanted, &sweep, &sweepBlock))
    return s;
  const char *reduceName = solverKernelSuffix(l.solver, kReduce);
  const char *scanName = solverKernelSuffix(l.solver, kScan);
  const char *sweepName = solverKernelSuffix(l.solver, kSweep);
  auto grid = [&](int block) {
    return l.coopBlock ? l.chunks : ceilDiv(l.chunks, block);
  };
  if (lds_status s = launchKernel(reduce, reduceName, a, grid(reduceBlock),
                                  l.count, reduceBlock))
    return s;
  if (lds_status s = launchKernel(scan, scanName, a, l.count, 1, scanBlock))
    return s;
  return launchKernel(sweep, sweepName, a, grid(sweepBlock), l.count,
                      sweepBlock);
}

lds_status CudaExecutor::launchChannelIteration(const Launch &l,
                                                const lds_gpu_args &a) {
  int64_t threads = l.chunks * d;
  int64_t wanted = std::min<int64_t>(kBlock, ceilDiv(threads, 32) * 32);
  int64_t wantedScan = std::min<int64_t>(kBlock, ceilDiv(d, 32) * 32);
  const KernelSlot slots[] = {kReduceChannels, kScanChannels, kSweepChannels};
  for (KernelSlot k : slots) {
    GpuKernel kernel;
    int block;
    if (lds_status s = solverBlockFor(l.solver, k,
                                      k == kScanChannels ? wantedScan : wanted,
                                      &kernel, &block))
      return s;
    int64_t gridX = ceilDiv(k == kScanChannels ? d : threads, block);
    if (lds_status s = launchKernel(kernel, solverKernelSuffix(l.solver, k), a,
                                    gridX, l.count, block))
      return s;
  }
  return LDS_OK;
}

lds_status CudaExecutor::launchResidual(const Launch &l, DevPtr rows,
                                        int64_t maxRows) {
  GpuKernel k;
  if (lds_status s = namedKernel("residual", &residualKernel, &k))
    return s;
  lds_gpu_args a = argsFor(l, rows, rows);
  bindItems(a, items, static_cast<int64_t>(sorted.size()), l.first, es);
  int block;
  if (lds_status s = blockFor(
          k, "residual", std::min<int64_t>(kBlock, ceilDiv(maxRows, 32) * 32),
          &block))
    return s;
  return launchKernel(k, "residual", a, ceilDiv(maxRows, block), l.count,
                      block);
}

lds_status CudaExecutor::restart(const SequenceWork *work, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const SequenceWork &w = work[j];
    DevPtr guess = inSpare[w.seq] ? spare : states;
    if (lds_status s = fillRows(stateRow(guess, w.seq, w.front),
                                xIn(w.seq, w.front), p.T - w.front))
      return s;
  }
  return LDS_OK;
}

lds_status CudaExecutor::launchSequential(int64_t first, int64_t count) {
  // A thread per item, or per channel of an item.
  bool channels = channelsFor(LDS_SOLVER_SEQUENTIAL);
  const char *name = channels ? "sequential_ch" : "sequential";
  GpuKernel k;
  if (lds_status s = namedKernel(
          name, channels ? &sequentialChannelKernel : &sequentialKernel, &k))
    return s;
  Launch l{LDS_SOLVER_SEQUENTIAL, false, first, count, 0, 0};
  lds_gpu_args a = argsFor(l, states, states);
  bindItems(a, items, static_cast<int64_t>(sorted.size()), first, es);
  int64_t threads = channels ? count * d : count;
  int block;
  if (lds_status s = blockFor(
          k, name, std::min<int64_t>(kBlock, ceilDiv(threads, 32) * 32),
          &block))
    return s;
  return launchKernel(k, name, a, ceilDiv(threads, block), 1, block);
}

lds_status CudaExecutor::sequential(const SequenceWork *work, int64_t n,
                                    int64_t *firstNonfinite) {
  sorted.assign(work, work + n);
  if (lds_status s = uploadItems(work, nullptr, n))
    return s;
  for (int64_t k = 0; k < n; k += kMaxItemsPerLaunch)
    if (lds_status s = launchSequential(k, std::min(kMaxItemsPerLaunch, n - k)))
      return s;
  if (lds_status s = downloadItems(n))
    return s;
  const int64_t *bad = hItems.data() + 3 * n;
  for (int64_t j = 0; j < n; ++j) {
    firstNonfinite[j] = bad[j] < p.T ? bad[j] : -1;
    inSpare[work[j].seq] = 0;
  }
  return LDS_OK;
}

lds_status CudaExecutor::finishUnconverged(const SequenceWork *work, int64_t n,
                                           double *residual) {
  sorted.assign(work, work + n);
  int64_t maxRows = 0;
  for (int64_t j = 0; j < n; ++j) {
    const SequenceWork &w = work[j];
    if (inSpare[w.seq] && w.front < p.T)
      if (lds_status s = dev->copyOnDevice(stateRow(states, w.seq, w.front),
                                           stateRow(spare, w.seq, w.front),
                                           (p.T - w.front) * rowBytes))
        return s;
    inSpare[w.seq] = 0;
    maxRows = std::max(maxRows, p.T - w.front);
  }
  if (lds_status s = uploadItems(work, nullptr, n))
    return s;
  for (int64_t k = 0; k < n && maxRows > 0; k += kMaxItemsPerLaunch) {
    Launch l{LDS_SOLVER_SEQUENTIAL,
             false,
             k,
             std::min(kMaxItemsPerLaunch, n - k),
             0,
             0};
    if (lds_status s = launchResidual(l, states, maxRows))
      return s;
  }
  if (lds_status s = downloadItems(n))
    return s;
  for (int64_t j = 0; j < n; ++j)
    residual[j] =
        hNonfinite[j] ? NAN : readScalar(hResidual.data() + j * es, m->dtype);
  return LDS_OK;
}

lds_status CudaExecutor::finish() {
  if (statesOnDevice)
    return dev->synchronize();
  return dev->copyToHost(p.states, states, p.batch * p.T * rowBytes);
}

} // namespace

int64_t lds::gpuSequentialLanes(const lds_model *m) {
  return m->gpu && m->gpu->channels[LDS_SOLVER_SEQUENTIAL] &&
                 channelKernelsWanted()
             ? m->state_dim
             : 1;
}

bool lds::gpuSolverChainAvailable(const lds_model *m, lds_solver s) {
  const lds_gpu_module *g = m->gpu;
  if (!g)
    return false;
  while (s != LDS_SOLVER_SEQUENTIAL && s != LDS_SOLVER_AUTO) {
    if (s < 0 || s >= LDS_NUM_SOLVER_SLOTS || !g->has_solver[s])
      return false;
    s = fallbackSolver(m, s);
  }
  return true;
}

lds_status lds::hostView(GpuBackend &backend, const void *p, int64_t bytes,
                         void **scratch, const void **out) {
  *scratch = nullptr;
  if (!p || !backend.isDevicePointer(p)) {
    *out = p;
    return LDS_OK;
  }
  void *copy = std::malloc(bytes < 1 ? 1 : bytes);
  if (!copy)
    return fail(LDS_ERR_OUT_OF_MEMORY,
                "lds_solve: out of memory for a host copy of %lld bytes to "
                "check",
                static_cast<long long>(bytes));
  if (lds_status s =
          backend.copyToHost(copy, reinterpret_cast<uintptr_t>(p), bytes)) {
    std::free(copy);
    return s;
  }
  *scratch = copy;
  *out = copy;
  return LDS_OK;
}

GpuExecutor *lds::createCudaExecutor(const Problem &p, GpuBackend *backend,
                                     lds_status *status) {
  CudaExecutor *e = new (std::nothrow) CudaExecutor(p, backend);
  if (!e) {
    delete backend;
    *status = fail(LDS_ERR_OUT_OF_MEMORY, "lds_solve: out of memory");
    return nullptr;
  }
  if ((*status = e->init()) != LDS_OK) {
    delete e;
    return nullptr;
  }
  return e;
}
