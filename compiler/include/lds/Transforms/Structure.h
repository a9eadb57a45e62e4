//===- Structure.h - Jacobian structure and solver attributes ---*- C++ -*-===//
//
// The attributes that lds-analyze-structure and lds-select-solver attach to
// an lds.model, and the analysis behind the first (see docs/solvers.md):
//
//   lds.jacobian = "zero" | "identity" | "diagonal" | "block_diagonal"
//                | "gathered" | "dense"          structure of df/dx (D x D)
//   lds.state_deps = [["identity", "none"], ...]  per state piece: row k is
//                next state k, column l state l; "none" | "identity" |
//                "diagonal" | "dense"
//   lds.affine                                    f is affine in x (UnitAttr)
//   lds.identity_plus_scaled = 1.0e-05 : f64      f = x + c * g(x, u)
//   lds.solver = "newton" | ...                   the chosen solver
//   lds.solver_reason = "..."                     why, in one sentence
//   lds.solver_by_target = {cpu = "...", cuda = "..."}
//   lds.costs = {newton = {bytes = .. : i64, flops = .. : i64,
//                memory = .. : i64}, ...}      per step and iteration
//
// Only the constants are needed to read the attributes (lds-compile
// --explain); the analysis lives in LDSTransforms.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TRANSFORMS_STRUCTURE_H
#define LDS_TRANSFORMS_STRUCTURE_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace lds {

class ModelOp;

// Attribute names.
constexpr llvm::StringLiteral kJacobianAttr = "lds.jacobian";
constexpr llvm::StringLiteral kStateDepsAttr = "lds.state_deps";
constexpr llvm::StringLiteral kAffineAttr = "lds.affine";
constexpr llvm::StringLiteral kIdentityPlusScaledAttr =
    "lds.identity_plus_scaled";
constexpr llvm::StringLiteral kSolverAttr = "lds.solver";
constexpr llvm::StringLiteral kSolverReasonAttr = "lds.solver_reason";
constexpr llvm::StringLiteral kSolverByTargetAttr = "lds.solver_by_target";
constexpr llvm::StringLiteral kCostsAttr = "lds.costs";

// Values of lds.jacobian, from the most to the least special.
constexpr llvm::StringLiteral kJacZero = "zero", kJacIdentity = "identity",
                              kJacDiagonal = "diagonal",
                              kJacBlockDiagonal = "block_diagonal",
                              kJacGathered = "gathered", kJacDense = "dense";

// Values in lds.state_deps.
constexpr llvm::StringLiteral kDepNone = "none", kDepIdentity = "identity",
                              kDepDiagonal = "diagonal", kDepDense = "dense";

// Solver names, as in --solver, lds.solver and the keys of lds.costs; the
// order is the order of lds_solver in the runtime's C API, reversed.
constexpr llvm::StringLiteral kSolverNewton = "newton",
                              kSolverQuasiNewton = "quasi-newton",
                              kSolverPicard = "picard",
                              kSolverJacobi = "jacobi",
                              kSolverSequential = "sequential";
constexpr llvm::StringLiteral kSolverNames[] = {
    kSolverNewton, kSolverQuasiNewton, kSolverPicard, kSolverJacobi,
    kSolverSequential};

/// What lds-analyze-structure finds out about one model.
struct ModelStructure {
  /// One of kJac*.
  std::string jacobian;
  /// kDep* per (next-state piece, state piece).
  std::vector<std::vector<std::string>> stateDeps;
  /// J does not depend on x.
  bool affine = false;
  /// c when f = x + c * g(x, u) with a compile-time constant c.
  std::optional<double> identityPlusScaled;
};

/// Above this state size the analysis is skipped and the Jacobian taken as
/// dense: its per-element D-bit sets make it quadratic in D (D = 2^20 took
/// 79 s, and D = 10^9 exhausted memory). Above 2^24 / D elements a value's
/// sets are merged into one already, so nothing finer than "dense" would be
/// found there anyway.
constexpr int64_t kMaxAnalyzedStateDim = int64_t(1) << 16;

/// Analyses the primal dataflow graph of `model` (lds.grad included); above
/// kMaxAnalyzedStateDim, returns a dense Jacobian at once.
ModelStructure analyzeModelStructure(ModelOp model);

/// Attaches `s` to `model` as the attributes above.
void attachModelStructure(ModelOp model, const ModelStructure &s);

} // namespace lds

#endif // LDS_TRANSFORMS_STRUCTURE_H
