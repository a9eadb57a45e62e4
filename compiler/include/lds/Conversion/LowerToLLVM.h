//===- LowerToLLVM.h - lds functions to the LLVM dialect and IR -*- C++ -*-===//
//
// The CPU lowering pipeline: derived step functions (func.funcs of lds ops)
// to the LLVM dialect with the bare-pointer calling convention, and from
// there to LLVM IR.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_CONVERSION_LOWERTOLLVM_H
#define LDS_CONVERSION_LOWERTOLLVM_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/LogicalResult.h"

#include <cstdint>
#include <memory>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace lds {

/// The pointer global that lds-limit-stack adds to a module whose functions
/// have a heap block: a function whose block could not be allocated calls
/// the function it points to, if any, with the block's size and returns
/// without computing. The model descriptor points to it, for the runtime
/// to set (model_abi.h, alloc_failure_hook).
inline constexpr const char kAllocFailureHook[] = "lds.alloc_failure_hook";

struct LowerToLLVMOptions {
  /// Buffers larger than this many bytes go to the heap rather than the
  /// stack (see lds-lower-to-loops); 0: all on the stack.
  int64_t maxAllocaBytes = 0;
  /// Run lds-limit-stack last among the buffer passes: the largest stack
  /// buffers of a function go to the heap until the rest take at most this
  /// many bytes; 0: no limit. The CPU's 256 KiB keeps each derived function's
  /// frame well within a thread's stack (lds-widen-lanes caps the lanes' at
  /// 2 MiB itself); the GPU pipeline has no heap and sets 0.
  int64_t maxStackBytes = 256 << 10;
  /// Stack buffers of at least this many bytes with disjoint lifetimes share
  /// memory (see lds-lower-to-loops); 0: never.
  int64_t shareBuffersFrom = 1024;
  /// Fold lds.transpose into the matmuls it feeds (see lds-lower-to-loops):
  /// the GPU pipeline's choice.
  bool foldTransposes = false;
  /// Matrix-matrix products update rows of the result (see
  /// lds-lower-to-loops): the CPU's choice. At D = 64 Newton's combine (a
  /// 64x64 product) ran at about 6 GFLOP/s as a dot product per element.
  bool productsByRows = true;
  /// Merge the loop nests of elementwise chains whose innermost loop runs at
  /// least this many iterations (see lds-lower-to-loops); 0: never. Below it
  /// LLVM unrolls the separate loops completely and promotes their buffers by
  /// itself, which a merged loop, too large to unroll, would prevent. On the
  /// CPU, merged from 1, the GRU's sequential step (D = 8) was 15% slower and
  /// Langevin's quasi-Newton solve (D = 32) 33% faster (docs/compiler.md).
  int64_t fuseLoopsFrom = 32;
  /// The last merged nest stores the results into the out-parameters (see
  /// lds-lower-to-loops): the GPU pipeline's choice.
  bool storeResultsInPlace = false;
  /// Run lds-cpu-fast-math (and lower the vector ops it makes): the CPU
  /// backend's choice. The GPU pipeline (LowerToNVVM.cpp) leaves it off.
  bool cpuFastMath = true;
  /// Run lds-distribute-over-block right after lds-lower-to-loops: the
  /// functions tagged `lds.cooperative` split their work over the threads of
  /// a GPU thread block and gain a trailing block-scratch argument (the GPU
  /// pipeline's choice; it leaves every other function alone).
  bool distributeOverBlock = false;
  /// Run lds-widen-lanes with this many bytes a vector of lanes: each step
  /// function @M_f gains @M_f_lanes, f for 32 / sizeof(F) sequences at once,
  /// which the CPU runtime's sequential pass steps batches with; 0: none.
  int64_t laneBytes = 32;
  /// Run lds-row-order-transposes after lds-widen-lanes: mat-vecs over
  /// transposed params read them by rows instead of copying them (the CPU's
  /// choice; the GPU pipeline folds transposes instead).
  bool rowOrderTransposes = true;
};

/// Appends the passes that take a module holding lds.models and the derived
/// func.funcs down to the LLVM dialect: lds-lower-to-loops (dropping the
/// lds.model ops, which are not executable), lds-distribute-over-block
/// (with distributeOverBlock), canonicalize, cse,
/// lds-cpu-fast-math (f32 math approximated, fast-math flags), scf-to-cf,
/// math-to-libm (so tanh, log1p, ... are the C library's, exact for f64),
/// math/arith-to-llvm, expand-strided-metadata, finalize-memref-to-llvm,
/// cf-to-llvm, func-to-llvm with bare pointers, reconcile-unrealized-casts.
///
/// A function `@M_f(tensor<D>, inputs..., params...) -> tensor<D>` becomes
/// `void M_f(const F *x, const F *inputs..., const F *params..., F *out)`;
/// i32 inputs are `const int32_t *`. `out` may alias an input.
void buildLowerToLLVMPipeline(mlir::OpPassManager &pm,
                              const LowerToLLVMOptions &options = {});

/// Runs buildLowerToLLVMPipeline on `module`.
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module,
                                       const LowerToLLVMOptions &options = {});

/// Translates a module in the LLVM dialect (the output of lowerToLLVMDialect)
/// to LLVM IR in `llvmContext`; null on failure (with a diagnostic emitted).
std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module,
                                                llvm::LLVMContext &llvmContext);

/// Registers buildLowerToLLVMPipeline as the pass pipeline
/// `lds-lower-to-llvm{max-alloca-bytes=N share-buffers-from=N
/// fold-transposes=B cpu-fast-math=B distribute-over-block=B}`, for lds-opt
/// (`share-buffers-from=256 fold-transposes=1 cpu-fast-math=0
/// distribute-over-block=1` is the GPU pipeline of LowerToNVVM.h).
void registerLowerToLLVMPipeline();

} // namespace lds

#endif // LDS_CONVERSION_LOWERTOLLVM_H
