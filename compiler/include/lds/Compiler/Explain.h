//===- Explain.h - human-readable model report ------------------*- C++ -*-===//
//
// What `lds-compile --explain` prints per model: its signature (states and
// the state dimension D, inputs, params), then what lds-analyze-structure and
// lds-select-solver attached to it (docs/solvers.md): the Jacobian structure
// (with the per-state dependency matrix when there are several states),
// affine or not, x + c*g(x) or not, each solver's cost estimates, the choice
// and its reason. Attributes that are missing are reported as such.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_COMPILER_EXPLAIN_H
#define LDS_COMPILER_EXPLAIN_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace lds {

/// Prints the report for every lds.model in `module`.
void explainModels(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace lds

#endif // LDS_COMPILER_EXPLAIN_H
