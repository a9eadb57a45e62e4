//===- SolverPolicy.cpp - which solver runs, and which takes over ---------===//
//
// See SolverPolicy.h and docs/runtime.md ("Choosing the solver at run time",
// "Fallbacks", "The cost guard").
//
//===----------------------------------------------------------------------===//

#include "SolverPolicy.h"

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

lds_solver lds::resolveAutoSolver(const lds_model *m, lds_solver requested,
                                  int64_t T, int64_t batch, int64_t lanes) {
  if (requested != LDS_SOLVER_AUTO)
    return requested;
  // An iteration costs more than a step, so it pays only where the window
  // splits into chunks run side by side, and the batch alone does not
  // already keep every lane busy.
  if (T == 1 || T < 2 * kMinChunkSteps || batch >= lanes ||
      T * batch < kMinParallelSteps)
    return LDS_SOLVER_SEQUENTIAL;
  lds_solver s = static_cast<lds_solver>(m->default_solver);
  if (s < LDS_SOLVER_SEQUENTIAL || s > LDS_SOLVER_NEWTON)
    s = LDS_SOLVER_NEWTON;
  while (s != LDS_SOLVER_SEQUENTIAL && !solverAvailable(m, s))
    s = fallbackSolver(m, s);
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

bool lds::iterationCostsMore(const lds_model *m, lds_solver s, int64_t window,
                             int64_t lanes, int64_t finalised) {
  double iterationFlops = m->solvers[s].flops_per_step;
  double stepFlops = m->flops_per_step;
  if (!(iterationFlops > 0) || !(stepFlops > 0) || lanes < 1)
    return false;
  // Each step of the window evaluates element (+ combine) twice: once to
  // compose its chunk, once to apply it (plus f for the stopping test).
  double iterationCost = 2 * iterationFlops * window / lanes;
  double sequentialCost = stepFlops * finalised;
  return iterationCost > sequentialCost;
}
