//===- Validate.cpp - argument checks of the C API ------------------------===//
//
// Checks are ordered from cheap (pointers, sizes) to O(data) scans, so a
// call with a NULL pointer fails before anything is read.
//
//===----------------------------------------------------------------------===//

#include "Validate.h"
#include "Error.h"
#include "Values.h"

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <utility>

using namespace lds;

const char *lds::modelName(const lds_model *m) {
  return m && m->name ? m->name : "?";
}

static thread_local int64_t allocFailure = 0;

static void noteAllocFailure(int64_t bytes) {
  allocFailure = std::max(allocFailure, bytes);
}

void lds::bindAllocFailureHook(const lds_model *m) {
  // Concurrent solves of one model store the same value.
  if (m->alloc_failure_hook)
    __atomic_store_n(m->alloc_failure_hook, &noteAllocFailure,
                     __ATOMIC_RELAXED);
}

int64_t lds::takeAllocFailure() { return std::exchange(allocFailure, 0); }

lds_status lds::allocFailureStatus(const lds_model *m, int64_t bytes,
                                   const char *fn) {
  return fail(LDS_ERR_OUT_OF_MEMORY,
              "%s: out of memory: a kernel of model '%s' could not allocate "
              "%" PRId64 " bytes (%.1f MiB) for its buffers",
              fn, modelName(m), bytes, bytes / 1048576.0);
}

static lds_status checkTable(const lds_model *m, const char *fn,
                             const char *what, int32_t count,
                             const lds_tensor_info *table) {
  if (count < 0)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "%s: model '%s' declares %" PRId32 " %s", fn, modelName(m),
                count, what);
  if (count > 0 && !table)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "%s: model '%s' declares %" PRId32 " %s but no table of them",
                fn, modelName(m), count, what);
  for (int32_t i = 0; i < count; ++i)
    if (table[i].size < 1)
      return fail(LDS_ERR_INVALID_ARGUMENT,
                  "%s: model '%s': %s %" PRId32 " has size %" PRId64, fn,
                  modelName(m), what, i, table[i].size);
  return LDS_OK;
}

lds_status lds::validateModel(const lds_model *m, const char *fn) {
  if (!m)
    return fail(LDS_ERR_INVALID_ARGUMENT, "%s: model is NULL", fn);
  if (m->abi_version != LDS_ABI_VERSION)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "%s: model was compiled for ABI version %" PRId32
                ", this runtime reads version %d (rebuild it with a matching "
                "lds-compile)",
                fn, m->abi_version, LDS_ABI_VERSION);
  int dtype = enumValue(m->dtype);
  if (dtype != LDS_DTYPE_F32 && dtype != LDS_DTYPE_F64)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "%s: model '%s' has dtype %d; expected f32 or f64", fn,
                modelName(m), dtype);
  if (m->state_dim < 1)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "%s: model '%s' has state dimension %" PRId64, fn, modelName(m),
                m->state_dim);
  if (lds_status s = checkTable(m, fn, "states", m->num_states, m->states))
    return s;
  if (lds_status s = checkTable(m, fn, "inputs", m->num_inputs, m->inputs))
    return s;
  if (lds_status s = checkTable(m, fn, "params", m->num_params, m->params))
    return s;
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    int input = enumValue(m->inputs[i].dtype);
    if (input != dtype && input != LDS_DTYPE_I32)
      return fail(LDS_ERR_INVALID_ARGUMENT,
                  "%s: model '%s': input %" PRId32
                  " has dtype %d; expected the model's dtype or i32",
                  fn, modelName(m), i, input);
  }
  if (!m->step)
    return fail(LDS_ERR_INVALID_ARGUMENT, "%s: model '%s' has no step kernel",
                fn, modelName(m));
  if (m->sequential_lanes ? m->lanes < 2 || m->lanes > LDS_MAX_LANES
                          : m->lanes != 0)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "%s: model '%s' has %" PRId32
                " lanes %s sequential_lanes kernel (expected 2 to %d with "
                "one, 0 without)",
                fn, modelName(m), m->lanes,
                m->sequential_lanes ? "and a" : "and no", LDS_MAX_LANES);
  if (m->stack_bytes < 0)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "%s: model '%s' says its kernels take %" PRId64
                " bytes of stack",
                fn, modelName(m), m->stack_bytes);
  int64_t d = m->state_dim;
  for (int s = LDS_SOLVER_JACOBI; s <= LDS_SOLVER_NEWTON; ++s) {
    const lds_solver_kernels &k = m->solvers[s];
    if (!k.element)
      continue;
    int64_t expected = -1;
    switch (k.a_kind) {
    case LDS_A_NONE:
    case LDS_A_IDENTITY:
      expected = 0;
      break;
    case LDS_A_DIAGONAL:
      expected = d;
      break;
    case LDS_A_DENSE:
      if (!mulChecked(d, d, &expected))
        expected = -1;
      break;
    }
    if (expected < 0 || k.a_size != expected)
      return fail(LDS_ERR_INVALID_ARGUMENT,
                  "%s: model '%s': solver %s has A kind %" PRId32
                  " with %" PRId64 " values (D = %" PRId64 ")",
                  fn, modelName(m), lds_solver_name(static_cast<lds_solver>(s)),
                  k.a_kind, k.a_size, d);
  }
  return LDS_OK;
}

lds_status lds::validateTensorPointers(const lds_model *m,
                                       const void *const *params,
                                       const void *const *inputs,
                                       const char *inputsName, const char *fn) {
  if (m->num_params > 0 && !params)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "%s: params is NULL but model '%s' has %" PRId32 " params", fn,
                modelName(m), m->num_params);
  for (int32_t i = 0; i < m->num_params; ++i)
    if (!params[i])
      return fail(LDS_ERR_INVALID_ARGUMENT,
                  "%s: params[%" PRId32 "] ('%s') is NULL", fn, i,
                  m->params[i].name ? m->params[i].name : "?");
  if (m->num_inputs > 0 && !inputs)
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "%s: %s is NULL but model '%s' has %" PRId32 " inputs", fn,
                inputsName, modelName(m), m->num_inputs);
  for (int32_t i = 0; i < m->num_inputs; ++i)
    if (!inputs[i])
      return fail(LDS_ERR_INVALID_ARGUMENT,
                  "%s: %s[%" PRId32 "] ('%s') is NULL", fn, inputsName, i,
                  m->inputs[i].name ? m->inputs[i].name : "?");
  return LDS_OK;
}

lds_status lds::validateIndexInputs(const lds_model *m,
                                    const void *const *inputs, int64_t steps,
                                    int64_t batch, const char *inputsName,
                                    const char *fn) {
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    const lds_tensor_info &info = m->inputs[i];
    // An i32 input indexes a param; a value out of range would read outside
    // it. index_range 0 means the compiler gave no range to check.
    if (info.dtype != LDS_DTYPE_I32 || info.index_range <= 0)
      continue;
    const int32_t *v = static_cast<const int32_t *>(inputs[i]);
    int64_t perSequence = steps * info.size;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t j = 0; j < perSequence; ++j) {
        int32_t x = v[b * perSequence + j];
        if (x < 0 || x >= info.index_range)
          return fail(LDS_ERR_INVALID_ARGUMENT,
                      "%s: %s[%" PRId32 "] ('%s') = %" PRId32
                      " at batch %" PRId64 ", step %" PRId64
                      " is outside [0, %" PRId64 ")",
                      fn, inputsName, i, info.name ? info.name : "?", x, b,
                      j / info.size + 1, info.index_range);
      }
  }
  return LDS_OK;
}

lds_status lds::validateFinite(const lds_model *m, const void *x0,
                               const void *const *inputs, int64_t T,
                               int64_t batch, const char *fn) {
  int64_t d = m->state_dim;
  int64_t es = elementSize(m->dtype);
  for (int64_t b = 0; b < batch; ++b) {
    int64_t bad =
        firstNonfinite(static_cast<const char *>(x0) + b * d * es, d, m->dtype);
    if (bad >= 0)
      return fail(LDS_ERR_NONFINITE,
                  "%s: x0[%" PRId64 "][%" PRId64 "] is not finite", fn, b, bad);
  }
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    const lds_tensor_info &info = m->inputs[i];
    if (info.dtype == LDS_DTYPE_I32)
      continue;
    int64_t perSequence = T * info.size;
    for (int64_t b = 0; b < batch; ++b) {
      int64_t bad = firstNonfinite(static_cast<const char *>(inputs[i]) +
                                       b * perSequence * es,
                                   perSequence, m->dtype);
      if (bad >= 0)
        return fail(LDS_ERR_NONFINITE,
                    "%s: inputs[%" PRId32 "] ('%s') is not finite at batch "
                    "%" PRId64 ", step %" PRId64 ", element %" PRId64,
                    fn, i, info.name ? info.name : "?", b, bad / info.size + 1,
                    bad % info.size);
    }
  }
  return LDS_OK;
}

//===----------------------------------------------------------------------===//
// Aliasing
//===----------------------------------------------------------------------===//

namespace {

/// The bytes [data, data + bytes) an argument occupies.
struct Span {
  const void *data;
  int64_t bytes;
};

/// `count` values of `elementBytes`, saturated (a size that does not fit
/// reaches to the end of the address space).
Span span(const void *data, int64_t count, int64_t elementBytes) {
  int64_t bytes;
  if (!mulChecked(count, elementBytes, &bytes))
    bytes = INT64_MAX;
  return {data, bytes};
}

bool overlaps(Span a, Span b) {
  if (!a.data || !b.data || a.bytes <= 0 || b.bytes <= 0)
    return false;
  uintptr_t a0 = reinterpret_cast<uintptr_t>(a.data);
  uintptr_t b0 = reinterpret_cast<uintptr_t>(b.data);
  uintptr_t a1 = a0 + static_cast<uintptr_t>(a.bytes);
  uintptr_t b1 = b0 + static_cast<uintptr_t>(b.bytes);
  if (a1 < a0)
    a1 = UINTPTR_MAX;
  if (b1 < b0)
    b1 = UINTPTR_MAX;
  return a0 < b1 && b0 < a1;
}

int64_t inputElementBytes(const lds_model *m, const lds_tensor_info &info) {
  return info.dtype == LDS_DTYPE_I32 ? 4 : elementSize(m->dtype);
}

/// The first of x (unless skipped), params and inputs (each `steps` rows
/// of `batch` sequences) that `out` overlaps, as a failure of `fn`.
lds_status checkDisjoint(const lds_model *m, Span out, const char *outName,
                         Span x, const char *xName, const void *const *params,
                         const void *const *inputs, const char *inputsName,
                         int64_t rows, const char *fn) {
  if (x.data && overlaps(out, x))
    return fail(LDS_ERR_INVALID_ARGUMENT, "%s: %s overlaps %s", fn, outName,
                xName);
  int64_t es = elementSize(m->dtype);
  for (int32_t i = 0; i < m->num_inputs; ++i) {
    const lds_tensor_info &info = m->inputs[i];
    int64_t count;
    if (!mulChecked(rows, info.size, &count))
      count = INT64_MAX;
    if (overlaps(out, span(inputs[i], count, inputElementBytes(m, info))))
      return fail(LDS_ERR_INVALID_ARGUMENT,
                  "%s: %s overlaps %s[%" PRId32 "] ('%s')", fn, outName,
                  inputsName, i, info.name ? info.name : "?");
  }
  for (int32_t i = 0; i < m->num_params; ++i) {
    const lds_tensor_info &info = m->params[i];
    if (overlaps(out, span(params[i], info.size, es)))
      return fail(LDS_ERR_INVALID_ARGUMENT,
                  "%s: %s overlaps params[%" PRId32 "] ('%s')", fn, outName, i,
                  info.name ? info.name : "?");
  }
  return LDS_OK;
}

} // namespace

lds_status lds::validateSolveAliasing(const lds_model *m,
                                      const void *const *params, const void *x0,
                                      const void *const *inputs, int64_t T,
                                      int64_t batch, const void *states,
                                      const void *guess) {
  int64_t es = elementSize(m->dtype), rows, values;
  if (!mulChecked(batch, T, &rows) || !mulChecked(rows, m->state_dim, &values))
    values = INT64_MAX;
  Span out = span(states, values, es);
  if (guess && guess != states && overlaps(out, span(guess, values, es)))
    return fail(LDS_ERR_INVALID_ARGUMENT,
                "lds_solve: opts->initial_guess overlaps states without being "
                "states");
  return checkDisjoint(m, out, "states", span(x0, batch * m->state_dim, es),
                       "x0", params, inputs, "inputs", rows, "lds_solve");
}

lds_status lds::validateStepAliasing(const lds_model *m,
                                     const void *const *params, const void *x,
                                     const void *const *u, const void *out,
                                     const char *outName, int64_t outValues,
                                     bool mayBeX, const char *fn) {
  int64_t es = elementSize(m->dtype);
  Span xSpan = span(x, m->state_dim, es);
  if (mayBeX && out == x)
    xSpan.data = nullptr;
  return checkDisjoint(m, span(out, outValues, es), outName, xSpan,
                       mayBeX ? "x without being x" : "x", params, u, "u", 1,
                       fn);
}
