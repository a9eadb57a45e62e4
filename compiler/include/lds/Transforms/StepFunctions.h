//===- StepFunctions.h - the derived functions of a model -------*- C++ -*-===//
//
// Names and signatures of the functions the compiler derives from each
// lds.model (see OutlineStep and DeriveJacobian):
//   @M_f(x, inputs..., params...) -> x'            the step
//   @M_jvp(x, v, inputs..., params...) -> J v
//   @M_jac(x, inputs..., params...) -> J           dense, D x D
//   @M_jac_diag(x, inputs..., params...) -> diag J
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TRANSFORMS_STEPFUNCTIONS_H
#define LDS_TRANSFORMS_STEPFUNCTIONS_H

#include "lds/Dialect/LDSOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace lds {

/// The kinds of derived function, as in the `lds.derived` attribute.
constexpr llvm::StringLiteral kDerivedF = "f", kDerivedJvp = "jvp",
                              kDerivedJac = "jac", kDerivedJacDiag = "jac_diag";

/// `M_f`, `M_jvp`, ... for model `M` and kind `kind`.
std::string getDerivedName(llvm::StringRef model, llvm::StringRef kind);

/// The derived function of kind `kind` for `model` in `module`, or null.
mlir::func::FuncOp lookupDerived(mlir::ModuleOp module, llvm::StringRef model,
                                 llvm::StringRef kind);

/// Creates an empty function `name` (with an entry block) at the end of
/// `module`, tagged with `lds.model` and `lds.derived`, whose arguments are:
/// the concatenated state x, `extraStateArgs` more tensors of x's type
/// (tangents), then the model's inputs and params in declaration order.
mlir::func::FuncOp createDerivedFunction(ModelOp model, llvm::StringRef kind,
                                         unsigned extraStateArgs,
                                         mlir::TypeRange results);

} // namespace lds

#endif // LDS_TRANSFORMS_STEPFUNCTIONS_H
