//===- ShareBuffers.h - stack buffers with disjoint lifetimes share memory ===//

#ifndef LDS_LIB_CONVERSION_SHAREBUFFERS_H
#define LDS_LIB_CONVERSION_SHAREBUFFERS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"

namespace lds {

/// The bytes a buffer of `type` takes (i1, lds.cmp's results, a byte each).
int64_t bufferBytes(mlir::MemRefType type);

/// A buffer that can share memory or move: a static shape, the identity
/// layout and the default memory space.
bool isPlainBuffer(mlir::MemRefType type);

/// A 1-D static buffer of bytes: what shareStackBuffers' shared buffers
/// (and lds-limit-stack's heap blocks) are, viewed as buffers of floats.
bool isByteArena(mlir::Type type);

/// Lets the stack buffers of `func` (memref.allocas in its entry block, as
/// lds-lower-to-loops places them) of at least `minBytes` bytes share memory
/// when their lifetimes do not overlap: each group becomes one 64-byte aligned
/// i8 alloca that its buffers view (memref.view at offset 0). A buffer's
/// lifetime runs from the first to the last top-level op of the entry block
/// that uses it or a view of it (a use inside a loop keeps it alive for the
/// whole loop). `minBytes <= 0` disables.
void shareStackBuffers(mlir::func::FuncOp func, int64_t minBytes);

/// Shrinks each shared byte buffer of `func` (an i8 alloca of its entry
/// block whose users are all views at offset 0, as shareStackBuffers makes
/// them) to its largest remaining view, and erases one with none left:
/// passes that erase views (a D x D transposed copy, lds-widen-lanes'
/// forwardTransposedCopies and lds-row-order-transposes) would otherwise
/// leave a D x D buffer to hold a D-vector.
void shrinkSharedBuffers(mlir::func::FuncOp func);

/// The buffer `memref` views (through casts, subviews and other view-like
/// ops): an alloca, an alloc, an argument, or a memref.view of a shared byte
/// buffer, which is a buffer of its own (sharing keeps the live ones apart).
mlir::Value rootBuffer(mlir::Value memref);

} // namespace lds

#endif // LDS_LIB_CONVERSION_SHAREBUFFERS_H
