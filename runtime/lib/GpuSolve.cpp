//===- GpuSolve.cpp - lds_solve on a GPU ----------------------------------===//
//
// The device half of lds_solve's dispatch: LDS_DEVICE_CUDA runs on the GPU
// or fails (LDS_ERR_NO_DEVICE says why); LDS_DEVICE_AUTO runs on the GPU
// when the model carries GPU kernels for the solver and a device (or the
// emulator) is usable, else leaves the solve to the CPU. The solve itself
// is the same iteration driver as on the CPU, on a CudaExecutor.
//
//===----------------------------------------------------------------------===//

#include "GpuSolve.h"
#include "CudaExecutor.h"
#include "Error.h"
#include "IterationDriver.h"
#include "SolverPolicy.h"
#include "Validate.h"
#include "Values.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

using namespace lds;

namespace {

/// Host copies of the caller's device data, freed at the end of the call.
struct HostViews {
  std::vector<void *> copies;
  ~HostViews() {
    for (void *p : copies)
      std::free(p);
  }
  lds_status view(GpuBackend &dev, const void *p, int64_t bytes,
                  const void **out) {
    void *copy = nullptr;
    if (lds_status s = hostView(dev, p, bytes, &copy, out))
      return s;
    if (copy)
      copies.push_back(copy);
    return LDS_OK;
  }
};

/// The first solver along the fallback chain from `s` whose GPU kernels
/// (and those of its own fallbacks) exist; sequential always does.
lds_solver firstGpuSolver(const lds_model *m, lds_solver s) {
  while (s != LDS_SOLVER_SEQUENTIAL && !gpuSolverChainAvailable(m, s))
    s = fallbackSolver(m, s);
  return s;
}

void gpuSolverNames(const lds_model *m, char *buf, size_t size) {
  int len = std::snprintf(buf, size, "sequential");
  for (int s = LDS_SOLVER_JACOBI; s <= LDS_SOLVER_NEWTON; ++s)
    if (m->gpu->has_solver[s] && len > 0 && static_cast<size_t>(len) < size)
      len += std::snprintf(buf + len, size - len, ", %s",
                           lds_solver_name(static_cast<lds_solver>(s)));
}

} // namespace

lds_status lds::solveOnGpu(const GpuSolveArgs &a, lds_stats &stats,
                           bool *handled) {
  const lds_model *m = a.model;
  const lds_options &o = a.options;
  *handled = false;
  if (o.device == LDS_DEVICE_CPU || (o.device == LDS_DEVICE_AUTO && !m->gpu))
    return LDS_OK;

  // AUTO may try a GPU and fall back to the CPU: a call that then succeeds
  // must leave lds_last_error() as it found it.
  std::string previousError = lds_last_error();
  lds_status st = LDS_OK;
  std::unique_ptr<GpuBackend> dev(createGpuBackend(m, o.cuda_stream, &st));
  if (!dev) {
    if (o.device == LDS_DEVICE_AUTO) {
      fail(LDS_OK, "%s", previousError.c_str());
      return LDS_OK;
    }
    *handled = true;
    return st;
  }

  lds_solver solver = resolveAutoSolver(m, o.solver, a.T, a.batch, dev->lanes(),
                                        gpuSequentialLanes(m));
  if (!gpuSolverChainAvailable(m, solver)) {
    if (o.solver == LDS_SOLVER_AUTO) {
      solver = firstGpuSolver(m, solver);
    } else if (o.device == LDS_DEVICE_AUTO) {
      return LDS_OK; // the CPU has the solver
    } else {
      char names[128];
      gpuSolverNames(m, names, sizeof(names));
      *handled = true;
      stats.device = LDS_DEVICE_CUDA;
      return fail(LDS_ERR_INVALID_ARGUMENT,
                  "lds_solve: model '%s' has no GPU kernels for solver %s or "
                  "a solver it falls back to (on the GPU it has: %s)",
                  modelName(m), lds_solver_name(solver), names);
    }
  }
  *handled = true;
  stats.device = LDS_DEVICE_CUDA;

  // The argument checks read the data: from host copies of device memory.
  HostViews views;
  int64_t es = elementSize(m->dtype), d = m->state_dim;
  const void *x0 = nullptr;
  if (lds_status s = views.view(*dev, a.x0, a.batch * d * es, &x0))
    return s;
  std::vector<const void *> inputs(m->num_inputs);
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    const lds_tensor_info &in = m->inputs[i];
    int64_t bytes = a.batch * a.T * in.size * elementSize(in.dtype);
    if (lds_status s = views.view(*dev, a.inputs[i], bytes, &inputs[i]))
      return s;
  }
  const void *const *hostInputs = m->num_inputs ? inputs.data() : nullptr;
  if (lds_status s = validateIndexInputs(m, hostInputs, a.T, a.batch, "inputs",
                                         "lds_solve"))
    return s;
  if (lds_status s =
          validateFinite(m, x0, hostInputs, a.T, a.batch, "lds_solve"))
    return s;
  stats.solver = solver;
  if (solver != LDS_SOLVER_SEQUENTIAL && o.initial_guess) {
    const void *guess = nullptr;
    if (lds_status s =
            views.view(*dev, o.initial_guess, a.batch * a.T * d * es, &guess))
      return s;
    if (lds_status s = checkInitialGuess(m, guess, a.T, a.batch))
      return s;
  }

  Problem p;
  p.model = m;
  p.params = a.params;
  p.x0 = a.x0;
  p.inputs = a.inputs;
  p.T = a.T;
  p.batch = a.batch;
  p.states = a.states;
  p.atol = o.atol;
  p.rtol = o.rtol;
  p.threads = o.num_threads;
  std::unique_ptr<GpuExecutor> ex(createCudaExecutor(p, dev.release(), &st));
  if (!ex)
    return st;
  int64_t maxIters = o.max_iters == 0 ? a.T : o.max_iters;
  st = runIterationDriver(p, *ex, solver, maxIters, o.initial_guess, stats);
  if (st == LDS_ERR_DEVICE || st == LDS_ERR_OUT_OF_MEMORY ||
      st == LDS_ERR_INTERNAL || st == LDS_ERR_NO_DEVICE)
    return st;
  // Non-convergence and non-finite trajectories still return the states.
  if (lds_status s = ex->finish())
    return s;
  return st;
}

lds_status lds::checkInitialGuess(const lds_model *m, const void *guess,
                                  int64_t T, int64_t batch) {
  int64_t bad = firstNonfinite(guess, batch * T * m->state_dim, m->dtype);
  if (bad < 0)
    return LDS_OK;
  int64_t perSequence = T * m->state_dim;
  return fail(LDS_ERR_NONFINITE,
              "lds_solve: opts->initial_guess[%" PRId64 "][%" PRId64
              "][%" PRId64 "] is not finite",
              bad / perSequence, bad % perSequence / m->state_dim,
              bad % m->state_dim);
}
