//===- ScanElement.h - the linear-recurrence scan element -------*- C++ -*-===//
//
// The math of the parallel scan, in one place for every solver and target:
// an element (A, b) is the affine map x -> A x + b with A stored densely
// (Newton), as a diagonal (quasi-Newton), or not at all (Picard: A = I,
// Jacobi: A = 0). The CPU kernels and the GPU kernels are both generated
// from these builders.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TRANSFORMS_SCANELEMENT_H
#define LDS_TRANSFORMS_SCANELEMENT_H

#include "lds/Transforms/Emitter.h"

namespace lds {

/// How A is stored; the values match lds_a_kind in runtime/include/lds/
/// model_abi.h.
enum class AKind { None = 0, Identity = 1, Diagonal = 2, Dense = 3 };

/// The A storage of each iterative solver ("newton", "quasi-newton",
/// "picard", "jacobi").
AKind getAKind(llvm::StringRef solver);

/// (A, b) = (A2, b2) ∘ (A1, b1) = (A2 A1, A2 b1 + b2): first 1, then 2. A
/// values are null for AKind::None and AKind::Identity.
std::pair<mlir::Value, mlir::Value> emitCombine(Emitter &e, AKind kind,
                                                mlir::Value a2, mlir::Value b2,
                                                mlir::Value a1, mlir::Value b1);

/// A x + b.
mlir::Value emitApply(Emitter &e, AKind kind, mlir::Value a, mlir::Value b,
                      mlir::Value x);

/// The stopping test of one step: max_d |a - b| - (atol + rtol |a|), a
/// scalar; <= 0 when every element meets the tolerance, NaN when a value is
/// not finite. `tol` is [atol, rtol].
mlir::Value emitToleranceExcess(Emitter &e, mlir::Value a, mlir::Value b,
                                mlir::Value tol);

} // namespace lds

#endif // LDS_TRANSFORMS_SCANELEMENT_H
