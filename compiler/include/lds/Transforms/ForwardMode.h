//===- ForwardMode.h - plain forward-mode differentiation -------*- C++ -*-===//
//
// Tangents as ordinary values shaped like their primals: one JVP per seed.
// DeriveJacobian uses it where its symbolic tangents do not apply
// (state-dependent matrices), forming the Jacobian column by column.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TRANSFORMS_FORWARDMODE_H
#define LDS_TRANSFORMS_FORWARDMODE_H

#include "lds/Transforms/Emitter.h"

namespace lds {

/// The directional derivative of `output` along `dx` (a tangent of `x`),
/// through the ops of `body` before its terminator that lie between them.
/// Ops are emitted with `e`; the result is never null (zeros if `output`
/// does not depend on `x`). Fails, with a diagnostic, on an op without a
/// rule.
mlir::FailureOr<mlir::Value> forwardTangent(Emitter &e, mlir::Block &body,
                                            mlir::Value x, mlir::Value dx,
                                            mlir::Value output);

} // namespace lds

#endif // LDS_TRANSFORMS_FORWARDMODE_H
