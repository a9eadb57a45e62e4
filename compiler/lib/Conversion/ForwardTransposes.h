//===- ForwardTransposes.h - read transposed params in place ---*- C++ -*-===//

#ifndef LDS_LIB_CONVERSION_FORWARDTRANSPOSES_H
#define LDS_LIB_CONVERSION_FORWARDTRANSPOSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace lds {

/// Removes the transposed copies of read-only arguments in `func`'s entry
/// block, a nest `for i < N { for j < M { T[i, j] = P[j, i] } }` with P an
/// argument nothing stores to, by making each load `T[a, b]` read `P[b, a]`
/// from the copy it would have read (the last one before it, where several
/// copies write T, as a shared byte buffer's views may). Only where every use
/// of T is such a load or a store of such a copy; the copies are then
/// erased. Returns the number of copies erased.
unsigned forwardTransposedCopies(mlir::func::FuncOp func);

/// Turns the mat-vecs `sum_k T[i, k] * V[k]` over such a transposed copy T
/// of P (every load of T in one) into row order: before the row loop,
/// `S = 0; for k { for i { S[i] += P[k, i] * V[k] } }`, contiguous and
/// vectorisable over i, and the row loop reads S[i]; the copies are then
/// erased. Each S[i] adds its products in the same order as before. Returns
/// the number of mat-vecs rewritten.
unsigned rowOrderTransposedMatVecs(mlir::func::FuncOp func);

} // namespace lds

#endif // LDS_LIB_CONVERSION_FORWARDTRANSPOSES_H
