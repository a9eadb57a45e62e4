//===- FuseLoops.h - one loop nest for a chain of elementwise ops ---------===//

#ifndef LDS_LIB_CONVERSION_FUSELOOPS_H
#define LDS_LIB_CONVERSION_FUSELOOPS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace lds {

/// Merges each loop nest of `func`'s entry block into the next one when both
/// visit the same index space and every buffer either nest writes is only
/// accessed, in both, at the nest's own indices (so iteration i of the
/// second needs nothing but iteration i of the first), then forwards each
/// value a merged body stores to the loads of it that follow in the same
/// body. A chain of elementwise ops then fills its result in one pass with
/// its intermediates in registers; the buffers nothing reads any more are
/// left for the caller to erase. Nests must be scf.for loops from 0 by 1 to
/// constant bounds; a loop with results (a reduction) can absorb the nest
/// before it but is never moved itself. Only memory-effect-free ops may stand
/// between two merged nests, and a nest that writes anything but a
/// memref.alloca / memref.alloc that nothing views (so no other name reaches
/// its elements) is left alone. In an `lds.cooperative` function a reduction
/// absorbs nothing (every thread of the block runs it whole), and so
/// is a nest whose innermost loop runs fewer than `minIterations` times
/// (LLVM unrolls such loops completely and keeps their buffers in registers
/// by itself).
/// With `storeInPlace`, when the function's last nest fills buffers that are
/// only copied to out-parameters at the end, it stores into the
/// out-parameters instead, provided it reads every argument of their types
/// at its own indices only (it then reads all of them first: an
/// out-parameter may be such an argument's buffer). Returns the number of
/// merges and buffers so replaced.
unsigned fuseLoopNests(mlir::func::FuncOp func, int64_t minIterations,
                       bool storeInPlace);

} // namespace lds

#endif // LDS_LIB_CONVERSION_FUSELOOPS_H
