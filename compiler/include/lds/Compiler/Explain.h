//===- Explain.h - human-readable model report ------------------*- C++ -*-===//
//
// What `lds-compile --explain` prints per model: its signature (states and
// the state dimension D, inputs, params). The Jacobian-structure analysis and
// the solver choice are added to this report by their passes.
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
