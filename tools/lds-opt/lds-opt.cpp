//===- lds-opt.cpp - the mlir-opt of the lds dialect ----------------------===//
//
// Parses, verifies, transforms and prints IR holding the lds dialect; used by
// the lit tests and by compiler developers.
//
//===----------------------------------------------------------------------===//

#include "lds/Conversion/LowerToLLVM.h"
#include "lds/Conversion/LowerToNVVM.h"
#include "lds/Conversion/Passes.h"
#include "lds/Dialect/LDSDialect.h"
#include "lds/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  lds::registerLDSConversionPasses();
  lds::registerLDSTransformsPasses();
  lds::registerLowerToLLVMPipeline();
  lds::registerLowerToNVVMPipeline();

  mlir::DialectRegistry registry;
  registry.insert<lds::LDSDialect, mlir::func::FuncDialect>();
  // What the lowering to LLVM produces on the way, so that its intermediate
  // stages can be fed back to lds-opt.
  registry.insert<mlir::arith::ArithDialect, mlir::cf::ControlFlowDialect,
                  mlir::LLVM::LLVMDialect, mlir::math::MathDialect,
                  mlir::memref::MemRefDialect, mlir::scf::SCFDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "lds optimizer driver\n", registry));
}
