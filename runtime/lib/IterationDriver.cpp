//===- IterationDriver.cpp - fronts, fallbacks and the cost guard ---------===//
//
// The driver is device-independent: it keeps each sequence's sliding-window
// front, solver, iteration count and fallbacks, and asks an Executor to run
// iterations, restarts and sequential passes. Sequences of a batch advance
// independently; one that has converged costs nothing more.
//
//   - A sequence iterates while rows remain past its front; an iteration
//     finalises at least one row, so T iterations always suffice.
//   - Non-finite values in an iteration: the rows before the first failing
//     one are kept, and a safer solver restarts from there (Newton ->
//     quasi-Newton -> sequential; Picard, Jacobi -> sequential). If the
//     window's first row, f of a final row, is itself not finite, the
//     trajectory is: the sequential pass reproduces it and reports it.
//   - The cost guard: after kCostGuardGraceIterations iterations, an
//     iteration that cost more than evaluating the rows it finalised one by
//     one ends the iterating: the rest is evaluated sequentially (exact).
//
//===----------------------------------------------------------------------===//

#include "IterationDriver.h"
#include "Buffer.h"
#include "Error.h"
#include "SolverPolicy.h"

#include <cinttypes>
#include <cmath>

using namespace lds;

namespace {

struct SequenceState {
  int64_t front;
  lds_solver solver;
  int64_t iterations; // fixed-point iterations, plus 1 for a sequential pass
  int fallbacks;
  double residual; // max |x_t - f(x_{t-1})| over its final rows so far
  bool done;
  bool converged;
  int64_t nonfiniteRow; // first non-finite row of a sequential pass, or -1
};

/// max that keeps NaN (a non-finite residual must not vanish in a max).
double maxKeepNaN(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return NAN;
  return a > b ? a : b;
}

/// Runs one solve with the iteration driver; fills `stats`.
class Driver {
public:
  Driver(const Problem &p, Executor &ex, lds_solver solver, int64_t maxIters,
         const void *initialGuess)
      : p(p), ex(ex), solver(solver), maxIters(maxIters),
        initialGuess(initialGuess) {}

  lds_status run(lds_stats &stats);

private:
  lds_status allocate();
  lds_status runSequential(int64_t n);
  lds_status iterateAll();
  lds_status report(lds_stats &stats);

  const Problem &p;
  Executor &ex;
  lds_solver solver;
  int64_t maxIters;
  const void *initialGuess;

  Buffer seqs;        // SequenceState per sequence
  Buffer work;        // SequenceWork per sequence: this iteration's
  Buffer outcomes;    // IterationOutcome per sequence
  Buffer toRestart;   // SequenceWork per sequence
  Buffer toSequence;  // SequenceWork per sequence
  Buffer perSequence; // int64_t or double per sequence
};

lds_status Driver::allocate() {
  int64_t n = p.batch;
  if (!seqs.allocateArray(n, sizeof(SequenceState)) ||
      !work.allocateArray(n, sizeof(SequenceWork)) ||
      !outcomes.allocateArray(n, sizeof(IterationOutcome)) ||
      !toRestart.allocateArray(n, sizeof(SequenceWork)) ||
      !toSequence.allocateArray(n, sizeof(SequenceWork)) ||
      !perSequence.allocateArray(n, 8))
    return fail(LDS_ERR_OUT_OF_MEMORY,
                "lds_solve: out of memory for %" PRId64 " sequences", n);
  SequenceState *s = seqs.as<SequenceState>();
  for (int64_t b = 0; b < n; ++b)
    s[b] = {0, solver, 0, 0, 0.0, false, false, -1};
  return LDS_OK;
}

/// Sequential passes for the `n` sequences listed in toSequence.
lds_status Driver::runSequential(int64_t n) {
  SequenceWork *list = toSequence.as<SequenceWork>();
  int64_t *bad = perSequence.as<int64_t>();
  if (lds_status st = ex.sequential(list, n, bad))
    return st;
  SequenceState *s = seqs.as<SequenceState>();
  for (int64_t j = 0; j < n; ++j) {
    SequenceState &q = s[list[j].seq];
    q.iterations += 1;
    q.front = p.T;
    q.done = true;
    q.nonfiniteRow = bad[j];
    q.converged = bad[j] < 0;
    // Rows from a sequential pass are f of their predecessor exactly.
    if (bad[j] >= 0)
      q.residual = NAN;
  }
  return LDS_OK;
}

lds_status Driver::iterateAll() {
  const lds_model *m = p.model;
  SequenceState *s = seqs.as<SequenceState>();
  SequenceWork *w = work.as<SequenceWork>();
  IterationOutcome *out = outcomes.as<IterationOutcome>();
  SequenceWork *restart = toRestart.as<SequenceWork>();
  SequenceWork *sequence = toSequence.as<SequenceWork>();
  for (;;) {
    int64_t n = 0;
    for (int64_t b = 0; b < p.batch; ++b)
      if (!s[b].done && s[b].iterations < maxIters)
        w[n++] = {b, s[b].front, s[b].solver};
    if (n == 0)
      return LDS_OK;
    if (lds_status st = ex.iterate(w, n, out))
      return st;

    int64_t numRestart = 0, numSequence = 0;
    for (int64_t j = 0; j < n; ++j) {
      SequenceState &q = s[w[j].seq];
      const IterationOutcome &o = out[j];
      int64_t oldFront = q.front;
      q.iterations += 1;
      q.front = o.newFront;
      q.residual = maxKeepNaN(q.residual, o.finalResidual);
      if (o.nonfinite) {
        // Keep the final prefix; a safer solver starts afresh after it. A
        // non-finite first row is f of a final row: only the sequential
        // pass can reproduce (and report) that.
        ++q.fallbacks;
        q.solver = q.front == oldFront ? LDS_SOLVER_SEQUENTIAL
                                       : fallbackSolver(m, q.solver);
        SequenceWork next{w[j].seq, q.front, q.solver};
        if (q.solver == LDS_SOLVER_SEQUENTIAL)
          sequence[numSequence++] = next;
        else
          restart[numRestart++] = next;
      } else if (q.front == p.T) {
        q.done = q.converged = true;
      } else if (q.iterations > kCostGuardGraceIterations &&
                 iterationCostsMore(m, w[j].solver, p.T - oldFront, o.lanes,
                                    q.front - oldFront, o.keptElements)) {
        ++q.fallbacks;
        q.solver = LDS_SOLVER_SEQUENTIAL;
        sequence[numSequence++] = {w[j].seq, q.front, q.solver};
      }
    }
    if (numRestart)
      if (lds_status st = ex.restart(restart, numRestart))
        return st;
    if (numSequence)
      if (lds_status st = runSequential(numSequence))
        return st;
  }
}

lds_status Driver::run(lds_stats &stats) {
  if (lds_status st = allocate())
    return st;
  SequenceState *s = seqs.as<SequenceState>();
  if (solver == LDS_SOLVER_SEQUENTIAL) {
    SequenceWork *list = toSequence.as<SequenceWork>();
    for (int64_t b = 0; b < p.batch; ++b)
      list[b] = {b, 0, LDS_SOLVER_SEQUENTIAL};
    if (lds_status st = runSequential(p.batch))
      return st;
    return report(stats);
  }

  if (lds_status st = ex.prepareIterative(initialGuess))
    return st;
  if (lds_status st = iterateAll())
    return st;
  // Sequences that ran out of iterations return their last iterate.
  SequenceWork *list = work.as<SequenceWork>();
  int64_t n = 0;
  for (int64_t b = 0; b < p.batch; ++b)
    if (!s[b].done)
      list[n++] = {b, s[b].front, s[b].solver};
  if (n) {
    double *residual = perSequence.as<double>();
    if (lds_status st = ex.finishUnconverged(list, n, residual))
      return st;
    for (int64_t j = 0; j < n; ++j) {
      SequenceState &q = s[list[j].seq];
      q.residual = maxKeepNaN(q.residual, residual[j]);
    }
  }
  return report(stats);
}

lds_status Driver::report(lds_stats &stats) {
  const SequenceState *s = seqs.as<SequenceState>();
  stats.solver = s[0].solver;
  stats.converged = 1;
  int64_t notConverged = 0, nonfinite = -1;
  for (int64_t b = 0; b < p.batch; ++b) {
    const SequenceState &q = s[b];
    if (solverSafety(q.solver) > solverSafety(stats.solver))
      stats.solver = q.solver;
    stats.iterations =
        q.iterations > stats.iterations ? q.iterations : stats.iterations;
    stats.fallbacks =
        q.fallbacks > stats.fallbacks ? q.fallbacks : stats.fallbacks;
    stats.max_residual =
        b == 0 ? q.residual : maxKeepNaN(stats.max_residual, q.residual);
    if (!q.converged) {
      stats.converged = 0;
      if (q.nonfiniteRow >= 0 && nonfinite < 0)
        nonfinite = b;
      else if (q.nonfiniteRow < 0)
        ++notConverged;
    }
  }
  if (nonfinite >= 0)
    return fail(LDS_ERR_NONFINITE,
                "lds_solve: the trajectory of sequence %" PRId64
                " is not finite from t = %" PRId64
                " (f overflowed or produced NaN; states hold the sequential "
                "evaluation)",
                nonfinite, s[nonfinite].nonfiniteRow + 1);
  if (notConverged)
    return fail(LDS_ERR_NOT_CONVERGED,
                "lds_solve: %" PRId64 " of %" PRId64
                " sequences did not converge in %" PRId64
                " iterations (max_iters); largest residual %g; states hold "
                "the last iterate",
                notConverged, p.batch, maxIters, stats.max_residual);
  return LDS_OK;
}

} // namespace

lds_status lds::runIterationDriver(const Problem &p, Executor &ex,
                                   lds_solver solver, int64_t maxIters,
                                   const void *initialGuess, lds_stats &stats) {
  Driver driver(p, ex, solver, maxIters, initialGuess);
  return driver.run(stats);
}
