//===- Pipeline.cpp - the lds-level pass pipeline -------------------------===//

#include "lds/Compiler/Pipeline.h"
#include "lds/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace lds;

mlir::LogicalResult lds::runModelPipeline(mlir::ModuleOp module,
                                          const PipelineOptions &options) {
  mlir::PassManager pm(module->getContext());
  // The models stay as written; only the derived functions are simplified.
  auto simplifyFunctions = [&]() {
    mlir::OpPassManager &fpm = pm.nest<mlir::func::FuncOp>();
    fpm.addPass(mlir::createCanonicalizerPass());
    fpm.addPass(mlir::createCSEPass());
  };
  pm.addPass(createOutlineStep());
  pm.addNestedPass<mlir::func::FuncOp>(createExpandGrad());
  simplifyFunctions();
  pm.addPass(createDeriveJacobian());
  simplifyFunctions();
  pm.addPass(createAnalyzeStructure());
  SelectSolverOptions select;
  select.solver = options.solver;
  select.target = options.target;
  pm.addPass(createSelectSolver(select));
  pm.addPass(createGenerateKernels());
  simplifyFunctions();
  return pm.run(module);
}
