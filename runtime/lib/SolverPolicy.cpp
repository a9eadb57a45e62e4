//===- SolverPolicy.cpp - which solver runs, and which takes over ---------===//
//
// See SolverPolicy.h and docs/runtime.md ("Choosing the solver at run time",
// "Fallbacks", "The cost guard").
//
//===----------------------------------------------------------------------===//

#include "SolverPolicy.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace lds;

bool lds::solverAvailable(const lds_model *m, lds_solver s) {
  if (s == LDS_SOLVER_AUTO || s == LDS_SOLVER_SEQUENTIAL)
    return m->step != nullptr;
  if (s < LDS_SOLVER_JACOBI || s > LDS_SOLVER_NEWTON)
    return false;
  const lds_solver_kernels &k = m->solvers[s];
  return m->step && m->check && k.element && k.combine && k.apply;
}

lds_solver lds::fallbackSolver(const lds_model *m, lds_solver s) {
  if (s == LDS_SOLVER_NEWTON && solverAvailable(m, LDS_SOLVER_QUASI_NEWTON))
    return LDS_SOLVER_QUASI_NEWTON;
  return LDS_SOLVER_SEQUENTIAL;
}

int64_t lds::expectedIterations(const lds_model *m, lds_solver s) {
  bool exact =
      m->is_affine && (s == LDS_SOLVER_NEWTON ||
                       (s == LDS_SOLVER_QUASI_NEWTON && m->jacobian_kind == 1));
  if (exact)
    return 1;
  return s == LDS_SOLVER_NEWTON ? kNewtonIterations : kOtherIterations;
}

bool lds::parallelPays(const lds_model *m, lds_solver s, int64_t T,
                       int64_t batch, int64_t lanes, int64_t sequentialLanes) {
  if (T == 1 || T < 2 * kMinChunkSteps || batch >= lanes ||
      T * batch < kMinParallelSteps)
    return false;
  double iterationFlops = m->solvers[s].flops_per_step;
  double stepFlops = m->flops_per_step;
  if (!(iterationFlops > 0) || !(stepFlops > 0))
    return false;
  // An iteration evaluates each step's element (+ combine) twice (compose,
  // then apply) spread over the lanes a sequence gets; the sequential pass
  // evaluates f once per step on one lane (on a GPU's channel kernels, a
  // lane per state channel).
  double lanesPerSequence = double(lanes) / double(batch);
  double parallelCost = 2.0 * double(expectedIterations(m, s)) *
                        iterationFlops / lanesPerSequence;
  // (No more lanes than the device gives a sequence.)
  double seqLanes =
      std::max(1.0, std::min(double(sequentialLanes), lanesPerSequence));
  return parallelCost < stepFlops / seqLanes;
}

lds_solver lds::resolveAutoSolver(const lds_model *m, lds_solver requested,
                                  int64_t T, int64_t batch, int64_t lanes,
                                  int64_t sequentialLanes) {
  if (requested != LDS_SOLVER_AUTO)
    return requested;
  lds_solver s = static_cast<lds_solver>(m->default_solver);
  if (s < LDS_SOLVER_SEQUENTIAL || s > LDS_SOLVER_NEWTON)
    s = LDS_SOLVER_NEWTON;
  while (s != LDS_SOLVER_SEQUENTIAL && !solverAvailable(m, s))
    s = fallbackSolver(m, s);
  if (s == LDS_SOLVER_SEQUENTIAL ||
      !parallelPays(m, s, T, batch, lanes, sequentialLanes))
    return LDS_SOLVER_SEQUENTIAL;
  return s;
}

int lds::solverSafety(lds_solver s) {
  switch (s) {
  case LDS_SOLVER_SEQUENTIAL:
    return 2;
  case LDS_SOLVER_QUASI_NEWTON:
    return 1;
  default:
    return 0;
  }
}

StepCosts lds::stepCosts(const lds_model *m, lds_solver s) {
  StepCosts c;
  double iterationFlops = m->solvers[s].flops_per_step;
  double stepFlops = m->flops_per_step;
  if (!(iterationFlops > 0) || !(stepFlops > 0))
    return c;
  double d = double(m->state_dim), combine = 0, apply = 0;
  switch (m->solvers[s].a_kind) {
  case LDS_A_IDENTITY:
    combine = apply = d;
    break;
  case LDS_A_DIAGONAL:
    combine = 3 * d;
    apply = 2 * d;
    break;
  case LDS_A_DENSE:
    combine = 2 * d * d * d + 2 * d * d;
    apply = 2 * d * d;
    break;
  default:
    break;
  }
  double element = std::max(iterationFlops - combine, stepFlops);
  c.fold = element + combine;
  c.sweep = element + apply;
  c.apply = apply;
  return c;
}

double lds::iterationTime(const lds_model *m, lds_solver s, int64_t window,
                          int64_t chunks, bool kept) {
  StepCosts c = stepCosts(m, s);
  if (chunks <= 1)
    return c.sweep * double(window);
  return (std::max(c.fold, c.sweep) + (kept ? c.apply : c.sweep)) *
         double(window) / double(chunks);
}

bool lds::chunkingPays(const lds_model *m, lds_solver s, int64_t chunks) {
  if (!(stepCosts(m, s).sweep > 0))
    return true;
  return iterationTime(m, s, 1, chunks) < iterationTime(m, s, 1, 1);
}

bool lds::iterationCostsMore(const lds_model *m, lds_solver s, int64_t window,
                             int64_t lanes, int64_t finalised, bool kept) {
  // LDS_COST_GUARD=0 (a testing aid): iterate to convergence, so tests can
  // count a solver's iterations.
  const char *guard = std::getenv("LDS_COST_GUARD");
  if (guard && std::strcmp(guard, "0") == 0)
    return false;
  double iterationCost = iterationTime(m, s, window, lanes, kept);
  if (!(iterationCost > 0) || lanes < 1)
    return false;
  return iterationCost > m->flops_per_step * double(finalised);
}
