//===- Solve.cpp - lds_solve: argument checks, options, dispatch ----------===//
//
// Checks the arguments (cheap ones first, then the data), fills in the
// options' defaults, resolves the device and LDS_SOLVER_AUTO, and hands the
// solve to the iteration driver (IterationDriver.cpp) on an executor.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Executor.h"
#include "GpuSolve.h"
#include "IterationDriver.h"
#include "SolverPolicy.h"
#include "Stack.h"
#include "ThreadPool.h"
#include "Validate.h"
#include "Values.h"

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

using namespace lds;

extern "C" lds_options lds_default_options(void) {
  lds_options o;
  std::memset(&o, 0, sizeof(o));
  o.solver = LDS_SOLVER_AUTO;
  o.device = LDS_DEVICE_AUTO;
  return o;
}

namespace {

/// Options checked and with their defaults filled in.
lds_status resolveOptions(const lds_model *m, const lds_options *in,
                          lds_options *out) {
  lds_options o = in ? *in : lds_default_options();
  int solver = enumValue(o.solver), device = enumValue(o.device);
  if (solver < LDS_SOLVER_AUTO || solver > LDS_SOLVER_NEWTON)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "lds_solve: opts->solver = %d is not an lds_solver", solver);
  if (device < LDS_DEVICE_AUTO || device > LDS_DEVICE_CUDA)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "lds_solve: opts->device = %d is not an lds_device", device);
  if (o.max_iters < 0)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "lds_solve: opts->max_iters must be >= 0 (0: T), got %" PRId64,
                o.max_iters);
  if (!(o.atol >= 0) || std::isinf(o.atol))
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "lds_solve: opts->atol must be finite and >= 0 (0: default), "
                "got %g",
                o.atol);
  if (!(o.rtol >= 0) || std::isinf(o.rtol))
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "lds_solve: opts->rtol must be finite and >= 0 (0: default), "
                "got %g",
                o.rtol);
  if (o.num_threads < 0 || o.num_threads > ThreadPool::kMaxThreads)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "lds_solve: opts->num_threads must be in [0, %d] (0: all), "
                "got %d",
                ThreadPool::kMaxThreads, o.num_threads);
  bool f64 = m->dtype == LDS_DTYPE_F64;
  if (o.atol == 0)
    o.atol = f64 ? LDS_DEFAULT_ATOL_F64 : LDS_DEFAULT_ATOL_F32;
  if (o.rtol == 0)
    o.rtol = f64 ? LDS_DEFAULT_RTOL_F64 : LDS_DEFAULT_RTOL_F32;
  if (o.num_threads == 0) {
    unsigned hw = std::thread::hardware_concurrency();
    o.num_threads = hw == 0                        ? 1
                    : hw > ThreadPool::kMaxThreads ? ThreadPool::kMaxThreads
                                                   : static_cast<int>(hw);
  }
  *out = o;
  return LDS_OK;
}

/// Solver names the model carries, for a message.
void compiledSolvers(const lds_model *m, char *buf, size_t size) {
  buf[0] = 0;
  size_t len = 0;
  for (int s = LDS_SOLVER_SEQUENTIAL; s <= LDS_SOLVER_NEWTON; ++s) {
    if (!solverAvailable(m, static_cast<lds_solver>(s)))
      continue;
    int n = std::snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
                          lds_solver_name(static_cast<lds_solver>(s)));
    if (n < 0 || static_cast<size_t>(n) >= size - len)
      break;
    len += n;
  }
}

/// The checks of lds_solve's arguments that read no data.
lds_status checkArguments(const lds_model *m, const void *const *params,
                          const void *x0, const void *const *inputs, int64_t T,
                          int64_t batch, const void *states) {
  if (lds_status s = validateModel(m, "lds_solve"))
    return s;
  if (!x0)
    return fail(LDS_ERR_INVALID_ARGUMENT, "lds_solve: x0 is NULL");
  if (!states)
    return fail(LDS_ERR_INVALID_ARGUMENT, "lds_solve: states is NULL");
  if (T <= 0)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "lds_solve: T must be positive, got %" PRId64, T);
  if (batch <= 0)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "lds_solve: batch must be positive, got %" PRId64, batch);
  if (lds_status s =
          validateTensorPointers(m, params, inputs, "inputs", "lds_solve"))
    return s;
  // Every buffer's byte size must be addressable.
  int64_t es = elementSize(m->dtype), bytes;
  int64_t largest = m->state_dim;
  for (int32_t i = 0; i < m->num_inputs; ++i)
    largest = m->inputs[i].size > largest ? m->inputs[i].size : largest;
  if (!mulChecked(batch, T, &bytes) || !mulChecked(bytes, largest, &bytes) ||
      !mulChecked(bytes, es, &bytes))
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "lds_solve: batch %" PRId64 " x T %" PRId64
                " is too large to address",
                batch, T);
  return LDS_OK;
}

} // namespace

extern "C" lds_status lds_solve(const lds_model *m, const void *const *params,
                                const void *x0, const void *const *inputs,
                                int64_t T, int64_t batch, void *states,
                                const lds_options *opts, lds_stats *stats) {
  auto start = std::chrono::steady_clock::now();
  lds_stats local;
  std::memset(&local, 0, sizeof(local));
  auto finish = [&](lds_status status) {
    local.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (stats)
      *stats = local;
    return status;
  };

  if (lds_status s = checkArguments(m, params, x0, inputs, T, batch, states))
    return finish(s);
  lds_options o = lds_default_options();
  if (lds_status s = resolveOptions(m, opts, &o))
    return finish(s);
  if (lds_status s = validateSolveAliasing(m, params, x0, inputs, T, batch,
                                           states, o.initial_guess))
    return finish(s);
  if (o.solver != LDS_SOLVER_AUTO && !solverAvailable(m, o.solver)) {
    char names[128];
    compiledSolvers(m, names, sizeof(names));
    return finish(fail(LDS_ERR_INVALID_ARGUMENT,
                       "lds_solve: model '%s' has no kernels for solver %s "
                       "(it has: %s)",
                       modelName(m), lds_solver_name(o.solver), names));
  }
  // A GPU when asked for (CUDA) or usable (AUTO); GpuSolve.cpp.
  bool onGpu = false;
  lds_status gpuStatus =
      solveOnGpu({m, params, x0, inputs, T, batch, states, o}, local, &onGpu);
  if (onGpu)
    return finish(gpuStatus);
  local.device = LDS_DEVICE_CPU;
  // The kernels run on this thread too: one with less stack left than they
  // take has the solve run on a thread of its own (Stack.h).
  return finish(withStack(m->stack_bytes, "lds_solve", [&]() -> lds_status {
    if (lds_status s =
            validateIndexInputs(m, inputs, T, batch, "inputs", "lds_solve"))
      return s;
    if (lds_status s = validateFinite(m, x0, inputs, T, batch, "lds_solve"))
      return s;

    Problem p;
    p.model = m;
    p.params = params;
    p.x0 = x0;
    p.inputs = inputs;
    p.T = T;
    p.batch = batch;
    p.states = states;
    p.atol = o.atol;
    p.rtol = o.rtol;
    p.threads = o.num_threads;
    // The pool's workers have kWorkerStackBytes; a model that needs more
    // (none that lds-compile makes: it bounds a function's buffers) runs on
    // this thread alone, which withStack sized for it.
    if (m->stack_bytes > kWorkerStackBytes - (1 << 20))
      p.threads = 1;
    // The CPU's parallel lanes are its threads.
    lds_solver solver = resolveAutoSolver(m, o.solver, T, batch, p.threads);
    local.solver = solver;
    p.solver = solver;
    std::unique_ptr<Executor> ex(createCpuExecutor(p));
    if (!ex)
      return LDS_ERR_OUT_OF_MEMORY;
    if (solver != LDS_SOLVER_SEQUENTIAL && o.initial_guess)
      if (lds_status s = checkInitialGuess(m, o.initial_guess, T, batch))
        return s;
    int64_t maxIters = o.max_iters == 0 ? T : o.max_iters;
    return runIterationDriver(p, *ex, solver, maxIters, o.initial_guess, local);
  }));
}
