//===- SliceChannels.h - one channel of a channel-wise model ---*- C++ -*-===//
//
// See SliceChannels.cpp (the pass lds-slice-channels).
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TRANSFORMS_SLICECHANNELS_H
#define LDS_TRANSFORMS_SLICECHANNELS_H

#include "mlir/IR/BuiltinOps.h"

namespace lds {

/// What lds-slice-channels does: adds @M_<kind>_ch to every channel-wise
/// model of `module` that has none yet, and records `lds.channels`.
void sliceChannels(mlir::ModuleOp module);

} // namespace lds

#endif // LDS_TRANSFORMS_SLICECHANNELS_H
