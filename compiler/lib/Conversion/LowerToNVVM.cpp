//===- LowerToNVVM.cpp - lds funcs to the LLVM dialect for NVPTX ----------===//
//
// The GPU half of the kernels' lowering. The lowered functions are the same
// plain-pointer functions as on the CPU; the GPU target (compiler/lib/
// Target/GPUTarget.cpp) then maps their libm calls to libdevice.
//
//===----------------------------------------------------------------------===//

#include "lds/Conversion/LowerToNVVM.h"
#include "lds/Conversion/LowerToLLVM.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void lds::buildLowerToNVVMPipeline(OpPassManager &pm) {
  // The CPU pipeline's passes without its vectorisation and polynomial math
  // (libdevice has an __nv_ function for each libm name math-to-libm uses).
  // A device thread has no heap worth using: every buffer is an alloca
  // (registers once promoted, local memory otherwise), so a transpose that
  // only feeds matmuls is read in place rather than copied to local memory.
  LowerToLLVMOptions options;
  options.maxAllocaBytes = 0;
  options.maxStackBytes = 0;
  options.foldTransposes = true;
  // One thread computes a product (or a cooperative block splits it by
  // elements): a dot product per element keeps the sum in a register.
  options.productsByRows = false;
  options.shareBuffersFrom = 256;
  // ptxas keeps a fully unrolled loop's buffers in registers up to D = 32
  // (Langevin merged from 32 had three times the local memory); from 64 the
  // separate loops' buffers are local memory, which merging removes.
  options.fuseLoopsFrom = 64;
  // ... and the last merged nest stores into the caller's rows: no buffer
  // and no copy (nothing is vectorised on the GPU, so the possible aliasing
  // costs nothing).
  options.storeResultsInPlace = true;
  options.cpuFastMath = false;
  // A GPU thread steps one sequence; the lanes are the CPU's.
  options.laneBytes = 0;
  // Transposes are folded into the matmuls above.
  options.rowOrderTransposes = false;
  // Block-cooperative kernels call the functions tagged lds.cooperative from
  // every thread of a block; nothing else changes.
  options.distributeOverBlock = true;
  buildLowerToLLVMPipeline(pm, options);
}

LogicalResult lds::lowerToNVVMDialect(ModuleOp module) {
  PassManager pm = PassManager::on<ModuleOp>(module->getContext());
  buildLowerToNVVMPipeline(pm);
  return pm.run(module);
}

void lds::registerLowerToNVVMPipeline() {
  PassPipelineRegistration<>(
      "lds-lower-to-nvvm",
      "Lower the derived lds func.funcs to the LLVM dialect for the GPU "
      "(bare pointers, no heap buffers); drops the lds.model ops",
      [](OpPassManager &pm) { buildLowerToNVVMPipeline(pm); });
}
