//===- DerivativeRules.h - local derivatives of elementwise ops -*- C++ -*-===//
//
// The one table of elementwise derivative rules, shared by the reverse mode
// (ExpandGrad), the symbolic forward mode and the dense forward mode
// (DeriveJacobian).
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TRANSFORMS_DERIVATIVERULES_H
#define LDS_TRANSFORMS_DERIVATIVERULES_H

#include "lds/Transforms/Emitter.h"

namespace lds {

/// True for ops whose result element i depends only on element i of each
/// operand (lds unary and binary math, select).
bool isElementwise(mlir::Operation *op);

/// For an elementwise op, the partial derivative of its result with respect
/// to each operand, element by element: one value per operand, shaped like
/// the result or a rank-0 constant; null for an operand with no derivative
/// (select's condition). Emitted with `e` at its insertion point.
llvm::SmallVector<mlir::Value, 3> elementwisePartials(Emitter &e,
                                                      mlir::Operation *op);

} // namespace lds

#endif // LDS_TRANSFORMS_DERIVATIVERULES_H
