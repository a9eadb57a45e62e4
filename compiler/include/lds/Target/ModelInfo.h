//===- ModelInfo.h - what the runtime needs to know of a model --*- C++ -*-===//
//
// A model's signature and the compiler's solver facts, collected from the
// lds.model (and its analysis attributes) before lowering erases it. It
// feeds the model descriptor (ModelABI) and the C header (EmitHeader).
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TARGET_MODELINFO_H
#define LDS_TARGET_MODELINFO_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"

#include <string>
#include <vector>

namespace lds {

/// Values of lds_dtype and lds_solver in the runtime's headers.
enum class DType { F32 = 0, F64 = 1, I32 = 2 };
enum class SolverId {
  Auto = 0,
  Sequential = 1,
  Jacobi = 2,
  Picard = 3,
  QuasiNewton = 4,
  Newton = 5
};

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  llvm::SmallVector<int64_t, 3> shape;
  int64_t size = 1;
  int64_t indexRange = 0; // i32 inputs: the leading dim they index
  /// Channel kernels: elements between the pointers of two neighbouring
  /// state channels (0 whole, 1 at the channel, K a row of a [D, K]
  /// matrix), as lds-slice-channels chose (`lds.channel_strides`).
  int64_t channelStride = 0;
};

struct ModelInfo {
  std::string name;
  DType dtype = DType::F32;
  int64_t stateDim = 0;
  std::vector<TensorInfo> states, inputs, params;
  SolverId defaultSolver = SolverId::Newton;
  double flopsPerStep = 0;
  /// Per iterative solver (indexed by SolverId), flops of one step of one
  /// iteration; 0 where unknown.
  double solverFlops[6] = {0, 0, 0, 0, 0, 0};
  bool isAffine = false;
  /// lds_model.jacobian_kind: 0 dense, 1 diagonal, 2 identity plus a small
  /// term, 3 zero, 4 block-diagonal, 5 gathered.
  int32_t jacobianKind = 0;
};

/// One ModelInfo per lds.model in `module`, in order.
std::vector<ModelInfo> collectModelInfo(mlir::ModuleOp module);

/// Sets the inputs' and params' channelStride of `infos` from their models'
/// `lds.channel_strides` in `module` (after lds-slice-channels).
void readChannelStrides(mlir::ModuleOp module, std::vector<ModelInfo> &infos);

/// Whether `solver`'s first iterate is the solution of `info` (Newton on an
/// affine f; quasi-Newton on an affine f with a diagonal Jacobian), as the
/// runtime's executors decide: its rows are then tested for finiteness
/// only.
bool isExactSolver(const ModelInfo &info, SolverId solver);

/// "newton" -> SolverId::Newton, ...; Auto for an unknown name.
SolverId parseSolverName(llvm::StringRef name);

/// The suffix of the kernels of an iterative solver: "newton",
/// "quasi_newton", "picard", "jacobi".
llvm::StringRef getSolverSymbol(SolverId solver);

/// The user-facing name of an iterative solver: "newton", "quasi-newton",
/// "picard", "jacobi" (parseSolverName's inverse).
llvm::StringRef getSolverName(SolverId solver);

} // namespace lds

#endif // LDS_TARGET_MODELINFO_H
