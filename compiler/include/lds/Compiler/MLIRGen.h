//===- MLIRGen.h - AST to the lds dialect -----------------------*- C++ -*-===//

#ifndef LDS_COMPILER_MLIRGEN_H
#define LDS_COMPILER_MLIRGEN_H

#include "lds/Frontend/AST.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace lds {

/// Emits one `lds.model` per model of a checked module (Sema must have
/// succeeded). Every op carries a FileLineColLoc into `filename`.
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &context,
                                          const Module &module,
                                          llvm::StringRef filename);

} // namespace lds

#endif // LDS_COMPILER_MLIRGEN_H
