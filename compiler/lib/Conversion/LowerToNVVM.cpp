//===- LowerToNVVM.cpp - lds funcs to the LLVM dialect for NVPTX ----------===//
//
// The GPU half of the kernels' lowering. The lowered functions are the same
// plain-pointer functions as on the CPU; the GPU target (compiler/lib/
// Target/GPUTarget.cpp) then maps their libm calls to libdevice.
//
//===----------------------------------------------------------------------===//

#include "lds/Conversion/LowerToNVVM.h"
#include "lds/Conversion/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void lds::buildLowerToNVVMPipeline(OpPassManager &pm) {
  LDSLowerToLoopsOptions loops;
  loops.dropModels = true;
  // A device thread has no heap worth using: every buffer is an alloca
  // (registers once promoted, local memory otherwise).
  loops.maxAllocaBytes = 0;
  pm.addPass(createLDSLowerToLoops(loops));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createConvertSCFToCFPass());
  // tanh, log1p, ... as calls named as in libm (readnone); libdevice has an
  // __nv_ function of each name. What is left becomes LLVM intrinsics, which
  // the GPU target maps too (exp, log, ...) or NVPTX selects (sqrt, fabs).
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  ConvertFuncToLLVMPassOptions func;
  func.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(func));
  pm.addPass(createReconcileUnrealizedCastsPass());
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
