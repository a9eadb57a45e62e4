//===- ShareBuffers.h - stack buffers with disjoint lifetimes share memory ===//

#ifndef LDS_LIB_CONVERSION_SHAREBUFFERS_H
#define LDS_LIB_CONVERSION_SHAREBUFFERS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"

namespace lds {

/// The bytes a buffer of `type` takes (i1, lds.cmp's results, a byte each).
int64_t bufferBytes(mlir::MemRefType type);

/// Lets the stack buffers of `func` (memref.allocas in its entry block, as
/// lds-lower-to-loops places them) of at least `minBytes` bytes share memory
/// when their lifetimes do not overlap: each group becomes one 64-byte aligned
/// i8 alloca that its buffers view (memref.view at offset 0). A buffer's
/// lifetime runs from the first to the last top-level op of the entry block
/// that uses it or a view of it (a use inside a loop keeps it alive for the
/// whole loop). `minBytes <= 0` disables.
void shareStackBuffers(mlir::func::FuncOp func, int64_t minBytes);

} // namespace lds

#endif // LDS_LIB_CONVERSION_SHAREBUFFERS_H
