//===- lds-opt.cpp - the mlir-opt of the lds dialect ----------------------===//
//
// Parses, verifies, transforms and prints IR holding the lds dialect; used by
// the lit tests and by compiler developers.
//
//===----------------------------------------------------------------------===//

#include "lds/Dialect/LDSDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();

  mlir::DialectRegistry registry;
  registry.insert<lds::LDSDialect, mlir::func::FuncDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "lds optimizer driver\n", registry));
}
