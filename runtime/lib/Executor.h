//===- Executor.h - the device side of a solve ------------------*- C++ -*-===//
//
// The iteration driver (IterationDriver.cpp) decides what runs: which sequences
// iterate with which solver from which front, when a solver falls back, when
// the cost guard stops iterating. An Executor runs it on one device: it owns
// the buffers and calls the model's kernels. The CPU executor is
// CpuExecutor.cpp; a CUDA executor implements the same interface.
//
// Rows are 0-based: row i of a sequence holds x_{i+1} (states[b][i]) and is
// computed from row i-1 (x0 for row 0) and input row i (u_{i+1}). A
// sequence's `front` is its first row that is not final; rows before it are
// final, live in the caller's `states` and are never recomputed.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_EXECUTOR_H
#define LDS_RUNTIME_EXECUTOR_H

#include "lds/runtime.h"

#include <cstdint>

namespace lds {

/// The arguments of one lds_solve, checked and resolved.
struct Problem {
  const lds_model *model;
  const void *const *params;
  const void *x0;
  const void *const *inputs;
  int64_t T;
  int64_t batch;
  void *states;
  double atol, rtol;
  int threads;
  /// The solver the call starts with (after AUTO): the executor keeps
  /// scratch for its A and its fallbacks' (fallbackSolver), no larger.
  /// AUTO: for every solver of the model.
  lds_solver solver = LDS_SOLVER_AUTO;
};

/// One sequence's part of a call.
struct SequenceWork {
  int64_t seq;
  int64_t front;
  lds_solver solver; // iterate(): the fixed-point solver to run
};

/// What one fixed-point iteration found for one sequence.
struct IterationOutcome {
  /// First row whose new value fails the stopping test (T: none). Rows
  /// [front, newFront) are final and copied to `states`. The window's first
  /// row is f of a final row, so newFront > front unless it is not finite.
  int64_t newFront;
  /// A value of the window (new iterate or test) was not finite.
  bool nonfinite;
  /// max |x_t - f(x_{t-1})| over the rows it finalised.
  double finalResidual;
  /// Parallel lanes the window was split over (for the cost guard).
  int64_t lanes;
  /// Phase 3 applied elements kept from phase 1 (CpuExecutor; for the cost
  /// guard).
  bool keptElements = false;
};

class Executor {
public:
  virtual ~Executor() = default;

  /// Parallel lanes of the device (CPU: threads).
  virtual int64_t lanes() const = 0;

  /// Allocates the iterate buffers and loads the initial guess
  /// ([batch][T][D], or nullptr for x0 repeated) into `states`. Only for
  /// fixed-point solvers.
  virtual lds_status prepareIterative(const void *initialGuess) = 0;

  /// One fixed-point iteration for each of `n` sequences over [front, T).
  virtual lds_status iterate(const SequenceWork *work, int64_t n,
                             IterationOutcome *out) = 0;

  /// Resets the guess over [front, T) to the final row front-1 repeated (x0
  /// if front = 0): a fresh start for a solver that takes over.
  virtual lds_status restart(const SequenceWork *work, int64_t n) = 0;

  /// Evaluates rows [front, T) one after the other into `states`. Writes the
  /// first row with a non-finite value to firstNonfinite[j] (-1: none).
  virtual lds_status sequential(const SequenceWork *work, int64_t n,
                                int64_t *firstNonfinite) = 0;

  /// For sequences that stop before converging: copies their current
  /// iterate over [front, T) to `states` and writes max |x_t - f(x_{t-1})|
  /// over those rows to residual[j].
  virtual lds_status finishUnconverged(const SequenceWork *work, int64_t n,
                                       double *residual) = 0;
};

/// The CPU executor for `p`; nullptr with lds_last_error() set if out of
/// memory.
Executor *createCpuExecutor(const Problem &p);

} // namespace lds

#endif // LDS_RUNTIME_EXECUTOR_H
