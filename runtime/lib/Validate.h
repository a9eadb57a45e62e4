//===- Validate.h - argument checks of the C API ----------------*- C++ -*-===//
//
// Every entry point checks its arguments before touching them and fails
// with LDS_ERR_INVALID_ARGUMENT (or LDS_ERR_NONFINITE for non-finite data)
// and a message that names the function, the argument and the value.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_VALIDATE_H
#define LDS_RUNTIME_VALIDATE_H

#include "lds/runtime.h"

namespace lds {

/// The model's name for messages ("?" if it has none).
const char *modelName(const lds_model *m);

/// Points `m`'s alloc-failure hook (model_abi.h, alloc_failure_hook) at
/// the runtime's, before its kernels run.
void bindAllocFailureHook(const lds_model *m);

/// The largest heap block a kernel failed to allocate on the calling
/// thread since the last call (through the hook), which it clears; 0 if
/// none failed.
int64_t takeAllocFailure();

/// LDS_ERR_OUT_OF_MEMORY for a kernel of `m` that could not allocate its
/// `bytes` heap block; `fn` prefixes the message.
lds_status allocFailureStatus(const lds_model *m, int64_t bytes,
                              const char *fn);

/// Checks that `m` is a descriptor this runtime can read: ABI version,
/// dtype, sizes, tensor tables, step kernel, solver A sizes. `fn` prefixes
/// the message.
lds_status validateModel(const lds_model *m, const char *fn);

/// Checks the param and input pointer tables (`inputsName` is how `fn`
/// calls its input argument: "inputs" or "u").
lds_status validateTensorPointers(const lds_model *m, const void *const *params,
                                  const void *const *inputs,
                                  const char *inputsName, const char *fn);

/// Checks i32 input values against their index_range for `steps` steps per
/// sequence (u of lds_step: steps = batch = 1).
lds_status validateIndexInputs(const lds_model *m, const void *const *inputs,
                               int64_t steps, int64_t batch,
                               const char *inputsName, const char *fn);

/// LDS_ERR_NONFINITE if a value of x0 ([batch][D]) or of a float input
/// ([batch][T][size]) is not finite.
lds_status validateFinite(const lds_model *m, const void *x0,
                          const void *const *inputs, int64_t T, int64_t batch,
                          const char *fn);

/// LDS_ERR_INVALID_ARGUMENT if lds_solve's `states` shares a byte with x0,
/// an input or a param, or `guess` overlaps `states` without being it.
/// Sizes must already be known to be addressable (checkArguments).
lds_status validateSolveAliasing(const lds_model *m, const void *const *params,
                                 const void *x0, const void *const *inputs,
                                 int64_t T, int64_t batch, const void *states,
                                 const void *guess);

/// The same for lds_step and lds_jacobian: `out` (`outName`, `outValues`
/// values) must not overlap x, u or params, except that it may be `x`
/// itself when `mayBeX`.
lds_status validateStepAliasing(const lds_model *m, const void *const *params,
                                const void *x, const void *const *u,
                                const void *out, const char *outName,
                                int64_t outValues, bool mayBeX, const char *fn);

} // namespace lds

#endif // LDS_RUNTIME_VALIDATE_H
