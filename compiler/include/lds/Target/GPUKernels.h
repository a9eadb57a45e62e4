//===- GPUKernels.h - the CUDA kernel entry points of a model ---*- C++ -*-===//
//
// The kernels of runtime/include/lds/model_abi.h ("GPU kernels (CUDA)") as
// LLVM IR over a module that already holds the model's chunk loops and
// per-step wrappers (addModelABI). The thread-model primitives go through
// GPUIntrinsics, so the same kernel IR is built for NVPTX (NVVM intrinsics)
// and for the host (calls to the emulator hooks of
// runtime/include/lds/gpu_emulator_hooks.h).
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TARGET_GPUKERNELS_H
#define LDS_TARGET_GPUKERNELS_H

#include "lds/Target/ModelInfo.h"

#include "llvm/IR/IRBuilder.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class Function;
class Module;
} // namespace llvm

namespace lds {

/// The primitives a kernel uses beyond plain loads, stores and calls.
class GPUIntrinsics {
public:
  virtual ~GPUIntrinsics() = default;
  enum class Index { TidX, NtidX, CtaidX, CtaidY, NctaidX };
  /// A thread or block index (i32).
  virtual llvm::Value *index(llvm::IRBuilder<> &b, Index which) = 0;
  /// Waits for every thread of the block.
  virtual void barrier(llvm::IRBuilder<> &b) = 0;
  /// The f32 or f64 `v` of lane (this lane - delta) of the warp, or this
  /// lane's own below `delta`; every lane of the warp calls it together.
  virtual llvm::Value *shuffleUp(llvm::IRBuilder<> &b, llvm::Value *v,
                                 llvm::Value *delta) = 0;
  /// A generic pointer to `bytes` bytes of the block's shared memory, for
  /// kernel `kernel`.
  virtual llvm::Value *sharedMemory(llvm::IRBuilder<> &b,
                                    llvm::Function *kernel, int64_t bytes) = 0;
  /// *p = min(*p, v) on a signed i64.
  virtual void atomicMin(llvm::IRBuilder<> &b, llvm::Value *p,
                         llvm::Value *v) = 0;
  /// *p = max(*p, v) on an unsigned i32 or i64.
  virtual void atomicMaxUnsigned(llvm::IRBuilder<> &b, llvm::Value *p,
                                 llvm::Value *v) = 0;
  /// *p = v (i32) where other threads may store the same value.
  virtual void storeFlag(llvm::IRBuilder<> &b, llvm::Value *p,
                         llvm::Value *v) = 0;
  /// The old *p, and *p = old + v, on an i32, atomic across the grid.
  virtual llvm::Value *atomicAdd(llvm::IRBuilder<> &b, llvm::Value *p,
                                 llvm::Value *v) = 0;
  /// The i32 at `p`, which another block may be storing, read from memory
  /// each time (a spin loop sees the store).
  virtual llvm::Value *loadFlag(llvm::IRBuilder<> &b, llvm::Value *p) = 0;
  /// Orders this thread's memory accesses before it before those after it,
  /// as every thread of the device sees them (membar.gl).
  virtual void fence(llvm::IRBuilder<> &b) = 0;
  /// Makes `f` a kernel entry point.
  virtual void markKernel(llvm::Function *f) = 0;
};

/// NVVM intrinsics, addrspace(3) shared memory and nvvm.annotations.
std::unique_ptr<GPUIntrinsics> createNVVMIntrinsics(llvm::Module &m);
/// Calls to the lds_emu_* hooks; kernels keep internal linkage.
std::unique_ptr<GPUIntrinsics> createEmulatorIntrinsics(llvm::Module &m);

/// Static shared memory one kernel may use (the CUDA limit without opt-in).
constexpr int64_t kGPUSharedBytes = 48 * 1024;
/// Most threads of a scan block.
constexpr int32_t kGPUMaxScanBlock = 1024;

/// What addGPUKernels built for one model.
struct GPUKernelSet {
  /// (kernel name, function), in a fixed order.
  std::vector<std::pair<std::string, llvm::Function *>> kernels;
  /// lds_gpu_module.scan_block and has_solver.
  int32_t scanBlock = 0;
  int32_t hasSolver[6] = {0, 0, 0, 0, 0, 0};
  /// lds_gpu_module.iterate_block: 0 where there is no iterate kernel.
  int32_t iterateBlock[6] = {0, 0, 0, 0, 0, 0};
  /// lds_gpu_module.coop_block and coop_scratch: the threads and the bytes
  /// of global scratch of a block of the solver's block-cooperative
  /// kernels; 0 where its kernels are per-thread.
  int32_t coopBlock[6] = {0, 0, 0, 0, 0, 0};
  int64_t coopScratch[6] = {0, 0, 0, 0, 0, 0};
  /// lds_gpu_module.channels: 1 where the channel kernels exist (the
  /// sequential slot: lds_gpu_M_sequential_ch; a solver's: its reduce_ch,
  /// scan_ch and sweep_ch), kGPUChannelsOnly where the solver has no row
  /// kernels beside them.
  int32_t channels[6] = {0, 0, 0, 0, 0, 0};
  /// lds_gpu_module.channel_iterate_block: the threads of a block of the
  /// solver's iterate_ch kernel, or 0 if it has none.
  int32_t channelIterateBlock[6] = {0, 0, 0, 0, 0, 0};
  /// The solvers without row kernels because their scan does not fit a
  /// block (maxScanBlock 0): channel kernels or none serve them.
  std::vector<SolverId> rowsTooLarge;
};

/// Most threads of a block of the cooperative kernels.
constexpr int32_t kGPUMaxCoopBlock = 256;

/// The threads of a block of `info`'s cooperative Newton kernels: D rounded
/// up to a multiple of 32, from 32 to kGPUMaxCoopBlock.
int32_t coopBlock(const ModelInfo &info);

/// The most threads a scan block of `solver` can have for `info` within
/// kGPUSharedBytes (a multiple of 32, at most kGPUMaxScanBlock), or 0 if
/// not even one warp fits: then the solver has no GPU kernels.
int32_t maxScanBlock(const ModelInfo &info, SolverId solver);

/// Most threads of an iterate block (one chunk each).
constexpr int32_t kGPUIterateBlock = 128;

/// The threads of `solver`'s iterate block for `info` (a multiple of 32;
/// 32 for Newton, else kGPUIterateBlock if its shared memory fits), or 0:
/// then the solver has no iterate kernel.
int32_t iterateBlock(const ModelInfo &info, SolverId solver);

/// Threads of a channel iterate block (lds_gpu_M_S_iterate_ch): 4 warps,
/// a chunk each, of 32 channels.
constexpr int32_t kGPUChannelIterateBlock = 128;

/// lds_gpu_module.channels[slot] of a solver with channel kernels and no row
/// kernels (LDS_GPU_CHANNELS_ONLY in model_abi.h).
constexpr int32_t kGPUChannelsOnly = 2;

/// Shared memory of a channel iterate block of `warps` warps: each lane's
/// map per warp, its x before each warp and after the last, the ticket.
int64_t channelIterateSharedBytes(const ModelInfo &info, SolverId solver,
                                  int64_t warps);

/// Adds the GPU kernels of `info` to `m`, which holds the model's wrappers
/// and chunk loops (lds.<M>.f, lds.<M>.sequential, lds.<M>.<S>.reduce, ...).
GPUKernelSet addGPUKernels(llvm::Module &m, const ModelInfo &info,
                           GPUIntrinsics &intrinsics);

} // namespace lds

#endif // LDS_TARGET_GPUKERNELS_H
