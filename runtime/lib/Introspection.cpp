//===- Introspection.cpp - a model's signature, and enum names ------------===//
//
// Read-only accessors over the model descriptor, so that callers (lds-run,
// bindings over the C FFI) size their buffers from the model itself.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "SolverPolicy.h"
#include "Validate.h"
#include "Values.h"

#include <cstring>

using namespace lds;

/// True if `m` can be read; sets the last error otherwise.
static bool readable(const lds_model *m, const char *fn) {
  return validateModel(m, fn) == LDS_OK;
}

static const lds_tensor_info *entry(const lds_model *m, int32_t i,
                                    int32_t count, const lds_tensor_info *table,
                                    const char *fn) {
  if (!readable(m, fn))
    return nullptr;
  if (i < 0 || i >= count) {
    fail(LDS_ERR_INVALID_ARGUMENT, "%s: index %d is outside [0, %d)", fn,
         static_cast<int>(i), static_cast<int>(count));
    return nullptr;
  }
  return &table[i];
}

extern "C" {

const char *lds_model_name(const lds_model *m) {
  return readable(m, "lds_model_name") ? modelName(m) : nullptr;
}

lds_dtype lds_model_dtype(const lds_model *m) {
  return readable(m, "lds_model_dtype") ? m->dtype : LDS_DTYPE_INVALID;
}

int64_t lds_model_state_dim(const lds_model *m) {
  return readable(m, "lds_model_state_dim") ? m->state_dim : 0;
}

int32_t lds_model_num_states(const lds_model *m) {
  return readable(m, "lds_model_num_states") ? m->num_states : 0;
}

int32_t lds_model_num_inputs(const lds_model *m) {
  return readable(m, "lds_model_num_inputs") ? m->num_inputs : 0;
}

int32_t lds_model_num_params(const lds_model *m) {
  return readable(m, "lds_model_num_params") ? m->num_params : 0;
}

const lds_tensor_info *lds_model_state(const lds_model *m, int32_t i) {
  return entry(m, i, m ? m->num_states : 0, m ? m->states : nullptr,
               "lds_model_state");
}

const lds_tensor_info *lds_model_input(const lds_model *m, int32_t i) {
  return entry(m, i, m ? m->num_inputs : 0, m ? m->inputs : nullptr,
               "lds_model_input");
}

const lds_tensor_info *lds_model_param(const lds_model *m, int32_t i) {
  return entry(m, i, m ? m->num_params : 0, m ? m->params : nullptr,
               "lds_model_param");
}

lds_solver lds_model_default_solver(const lds_model *m) {
  if (!readable(m, "lds_model_default_solver"))
    return LDS_SOLVER_AUTO;
  return static_cast<lds_solver>(m->default_solver);
}

int lds_model_has_solver(const lds_model *m, lds_solver s) {
  if (!readable(m, "lds_model_has_solver"))
    return 0;
  int solver = enumValue(s);
  if (solver < LDS_SOLVER_AUTO || solver > LDS_SOLVER_NEWTON)
    return 0;
  return solverAvailable(m, s) ? 1 : 0;
}

const char *lds_solver_name(lds_solver s) {
  switch (enumValue(s)) {
  case LDS_SOLVER_AUTO:
    return "auto";
  case LDS_SOLVER_SEQUENTIAL:
    return "sequential";
  case LDS_SOLVER_JACOBI:
    return "jacobi";
  case LDS_SOLVER_PICARD:
    return "picard";
  case LDS_SOLVER_QUASI_NEWTON:
    return "quasi-newton";
  case LDS_SOLVER_NEWTON:
    return "newton";
  }
  return "unknown";
}

const char *lds_device_name(lds_device d) {
  switch (enumValue(d)) {
  case LDS_DEVICE_AUTO:
    return "auto";
  case LDS_DEVICE_CPU:
    return "cpu";
  case LDS_DEVICE_CUDA:
    return "cuda";
  }
  return "unknown";
}

const char *lds_dtype_name(lds_dtype t) {
  switch (enumValue(t)) {
  case LDS_DTYPE_F32:
    return "f32";
  case LDS_DTYPE_F64:
    return "f64";
  case LDS_DTYPE_I32:
    return "i32";
  }
  return "unknown";
}

int lds_solver_from_name(const char *name, lds_solver *out) {
  if (!name || !out)
    return 0;
  for (int s = LDS_SOLVER_AUTO; s <= LDS_SOLVER_NEWTON; ++s) {
    if (std::strcmp(name, lds_solver_name(static_cast<lds_solver>(s))) == 0) {
      *out = static_cast<lds_solver>(s);
      return 1;
    }
  }
  if (std::strcmp(name, "quasi_newton") == 0) {
    *out = LDS_SOLVER_QUASI_NEWTON;
    return 1;
  }
  return 0;
}

} // extern "C"
