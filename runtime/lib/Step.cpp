//===- Step.cpp - lds_step and lds_jacobian: one evaluation of f or J -----===//
//
// Single evaluations at a user-supplied (x, u), for checking a model or
// building on it. Values are not checked for finiteness (evaluating f at
// any point is a legitimate question); i32 inputs are range-checked because
// an index outside its param would read out of bounds.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Stack.h"
#include "Validate.h"
#include "Values.h"

using namespace lds;

static lds_status checkOneStep(const lds_model *m, const void *const *params,
                               const void *x, const void *const *u,
                               const void *out, const char *outName,
                               int64_t outValues, bool mayBeX, const char *fn) {
  if (lds_status s = validateModel(m, fn))
    return s;
  if (!x)
    return fail(LDS_ERR_INVALID_ARGUMENT, "%s: x is NULL", fn);
  if (!out)
    return fail(LDS_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, outName);
  if (lds_status s = validateTensorPointers(m, params, u, "u", fn))
    return s;
  if (lds_status s = validateStepAliasing(m, params, x, u, out, outName,
                                          outValues, mayBeX, fn))
    return s;
  return validateIndexInputs(m, u, 1, 1, "u", fn);
}

/// Calls one of `m`'s kernels on a thread with the stack it takes
/// (Stack.h), and reports a heap block it could not allocate.
template <class F>
static lds_status runKernel(const lds_model *m, const char *fn, F &&kernel) {
  bindAllocFailureHook(m);
  return withStack(m->stack_bytes, fn, [&]() -> lds_status {
    kernel();
    if (int64_t bytes = takeAllocFailure())
      return allocFailureStatus(m, bytes, fn);
    return LDS_OK;
  });
}

extern "C" lds_status lds_step(const lds_model *m, const void *const *params,
                               const void *x, const void *const *u,
                               void *x_next) {
  if (lds_status s =
          checkOneStep(m, params, x, u, x_next, "x_next", m ? m->state_dim : 0,
                       /*mayBeX=*/true, "lds_step"))
    return s;
  return runKernel(m, "lds_step", [&] { m->step(x, u, params, x_next); });
}

extern "C" lds_status lds_jacobian(const lds_model *m,
                                   const void *const *params, const void *x,
                                   const void *const *u, void *J) {
  int64_t values = 0;
  if (m && !mulChecked(m->state_dim, m->state_dim, &values))
    values = INT64_MAX;
  if (lds_status s = checkOneStep(m, params, x, u, J, "J", values,
                                  /*mayBeX=*/false, "lds_jacobian"))
    return s;
  if (!m->jacobian)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "lds_jacobian: model '%s' has no Jacobian kernel",
                modelName(m));
  return runKernel(m, "lds_jacobian", [&] { m->jacobian(x, u, params, J); });
}
