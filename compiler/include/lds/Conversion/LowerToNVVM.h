//===- LowerToNVVM.h - lds functions to LLVM for NVPTX ----------*- C++ -*-===//
//
// The GPU lowering pipeline: the derived step functions to the LLVM dialect
// for the nvptx64 target: the CPU pipeline without its CPU-only tuning
// (lds-cpu-fast-math) and with every buffer on the stack; math functions
// become calls to the C library's names, which the GPU target maps to
// libdevice.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_CONVERSION_LOWERTONVVM_H
#define LDS_CONVERSION_LOWERTONVVM_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/LogicalResult.h"

namespace lds {

/// Appends lds-lower-to-loops (models dropped, every buffer on the stack:
/// no malloc on the device; transposes folded into matmuls; buffers of
/// 256 bytes and more shared), lds-distribute-over-block (the functions
/// tagged lds.cooperative split over a thread block, their buffers in
/// block scratch), canonicalize, cse, scf-to-cf, math-to-libm,
/// math/arith-to-llvm, expand-strided-metadata, finalize-memref-to-llvm,
/// cf-to-llvm, func-to-llvm with bare pointers, reconcile-unrealized-casts.
/// Function signatures are those of buildLowerToLLVMPipeline.
void buildLowerToNVVMPipeline(mlir::OpPassManager &pm);

/// Runs buildLowerToNVVMPipeline on `module`.
mlir::LogicalResult lowerToNVVMDialect(mlir::ModuleOp module);

/// Registers the pipeline as `lds-lower-to-nvvm`, for lds-opt.
void registerLowerToNVVMPipeline();

} // namespace lds

#endif // LDS_CONVERSION_LOWERTONVVM_H
