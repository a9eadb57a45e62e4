//===- Pipeline.h - the lds-level pass pipeline -----------------*- C++ -*-===//

#ifndef LDS_COMPILER_PIPELINE_H
#define LDS_COMPILER_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace lds {

struct PipelineOptions {
  std::string solver = "auto"; // --solver
  std::string target = "all";  // --target
};

/// Outlines each model's step function, expands grads, derives the Jacobian,
/// its diagonal and a JVP, simplifies, analyses the Jacobian structure and
/// selects a solver. Errors are reported through the context's diagnostics.
mlir::LogicalResult runModelPipeline(mlir::ModuleOp module,
                                     const PipelineOptions &options);

} // namespace lds

#endif // LDS_COMPILER_PIPELINE_H
