//===- SolverPolicy.h - which solver runs, and which takes over -*- C++ -*-===//
//
// The run-time half of solver selection (the compiler's half is
// compiler/lib/Transforms/SelectSolver.cpp): LDS_SOLVER_AUTO adjusted to T,
// batch and the device's parallel lanes, the fallback chain, and the cost
// guard. docs/runtime.md states these rules; keep them in sync.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_SOLVERPOLICY_H
#define LDS_RUNTIME_SOLVERPOLICY_H

#include "lds/runtime.h"

#include <cstdint>

namespace lds {

/// A chunk of the sliding window has at least this many steps: below it
/// the scan's per-chunk work (a composed map, a carry) outweighs the split.
constexpr int64_t kMinChunkSteps = 32;

/// AUTO runs sequentially when the batch has fewer steps than this in all:
/// handing chunks to threads would cost more than evaluating them.
constexpr int64_t kMinParallelSteps = 4096;

/// The cost guard leaves this many first iterations alone: Newton-type
/// solvers often finalise little before they converge everywhere at once.
constexpr int64_t kCostGuardGraceIterations = 2;

/// True if the model carries every kernel `s` needs (SEQUENTIAL: the step).
bool solverAvailable(const lds_model *m, lds_solver s);

/// The solver that takes over from `s` after non-finite values: Newton ->
/// quasi-Newton -> sequential; Picard, Jacobi -> sequential. Skips solvers
/// the model lacks.
lds_solver fallbackSolver(const lds_model *m, lds_solver s);

/// AUTO's a-priori iteration counts: how many iterations it expects of
/// Newton, and of quasi-Newton, Picard and Jacobi, on a model where they are
/// not exact in one (the convergence table of docs/BENCHMARKS.md: Newton
/// and quasi-Newton take a handful on the examples; Picard and Jacobi
/// more, or the cost guard stops them).
constexpr int64_t kNewtonIterations = 4;
constexpr int64_t kOtherIterations = 8;

/// The iterations AUTO expects of `s` on `m`: 1 where the first iterate is
/// exact (Newton on an affine f; quasi-Newton on an affine f with a diagonal
/// Jacobian), else kNewtonIterations or kOtherIterations.
int64_t expectedIterations(const lds_model *m, lds_solver s);

/// Whether solving `batch` sequences of `T` steps with the fixed-point
/// solver `s` on `lanes` parallel lanes should beat one sequential pass:
/// the batch leaves lanes idle, the window splits into chunks of
/// kMinChunkSteps, and 2 * expectedIterations * (the solver's flops per
/// step) / (lanes per sequence) is below the flops of one step of f spread
/// over the `sequentialLanes` a sequential pass gives a sequence (1; D on
/// a GPU with channel kernels).
bool parallelPays(const lds_model *m, lds_solver s, int64_t T, int64_t batch,
                  int64_t lanes, int64_t sequentialLanes = 1);

/// Resolves LDS_SOLVER_AUTO for a solve of `batch` sequences of `T` steps
/// on a device with `lanes` parallel lanes: the model's solver (or the
/// first available one down its fallback chain) where parallelPays, else
/// SEQUENTIAL. Other values pass through.
lds_solver resolveAutoSolver(const lds_model *m, lds_solver requested,
                             int64_t T, int64_t batch, int64_t lanes,
                             int64_t sequentialLanes = 1);

/// Safety order for reporting what finished a batch: sequential is the
/// safest, quasi-Newton safer than Newton.
int solverSafety(lds_solver s);

/// Flops per step of an iteration's passes over a chunk: `fold` evaluates
/// the element and composes it into the chunk's map (phase 1), `sweep`
/// evaluates it and applies it to the carry (phase 3), `apply` only applies
/// a kept element (phase 3 with kept elements, CpuExecutor.cpp). All zero
/// when the compiler gave no cost. (The stopping test and the residual's
/// step of f in phase 3 are not counted.)
struct StepCosts {
  double fold = 0, sweep = 0, apply = 0;
};

/// The solver's costs per step: the element is the compiler's
/// flops_per_step (element + combine) less the combine, at least one step
/// of f; the combine and apply follow from the kind of A, as the compiled
/// kernels compute them (a dense A densely, whatever its blocks):
///
///   A      none  identity  diagonal  dense
///   combine  0      D        3 D     2 D^3 + 2 D^2
///   apply    0      D        2 D     2 D^2
StepCosts stepCosts(const lds_model *m, lds_solver s);

/// Flops of time one iteration of `s` over `window` steps takes as `chunks`
/// chunks on parallel lanes: a sweep of the window for one chunk, else
/// (max(fold, sweep) + sweep) * window / chunks (phase 1 folds chunks
/// beside chunk 0's sweep, phase 3 sweeps the rest), or with `kept`
/// elements (max(fold, sweep) + apply) * window / chunks. 0 when the
/// compiler gave no cost.
double iterationTime(const lds_model *m, lds_solver s, int64_t window,
                     int64_t chunks, bool kept = false);

/// Whether CpuExecutor should split a sequence's window into `chunks` >= 2
/// chunks, evaluating the elements again in phase 3, rather than sweep it
/// whole: false when folding costs so much more than sweeping (Newton's
/// dense combine against its apply: 2 D^3 against 2 D^2) that the split
/// takes longer, and for 2 chunks (chunk 1, the last, is swept after chunk
/// 0 then). True when the compiler gave no cost.
bool chunkingPays(const lds_model *m, lds_solver s, int64_t chunks);

/// The cost guard: true if an iteration of `s` over `window` steps split
/// into `lanes` parallel chunks, with `kept` elements or not
/// (iterationTime), costs more than evaluating the `finalised` steps it
/// finalised sequentially. False when the compiler gave no cost.
bool iterationCostsMore(const lds_model *m, lds_solver s, int64_t window,
                        int64_t lanes, int64_t finalised, bool kept = false);

} // namespace lds

#endif // LDS_RUNTIME_SOLVERPOLICY_H
