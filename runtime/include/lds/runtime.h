/*===- runtime.h - the lds runtime C API -------------------------*- C -*-===*
 *
 * Solves x_t = f(x_{t-1}, u_t), t = 1..T, for a model compiled by
 * lds-compile, in parallel over time (DESIGN.md section 5). Link with
 * liblds_runtime (static or shared) and the model's object file; the model's
 * generated header declares `const lds_model *lds_model_<name>(void);`.
 *
 * Every function is thread-safe and reentrant. No function aborts, throws or
 * prints: failures return a status, and lds_last_error() says why.
 * docs/runtime.md describes the algorithm behind lds_solve.
 *===----------------------------------------------------------------------===*/

#ifndef LDS_RUNTIME_H
#define LDS_RUNTIME_H

#include <stdint.h>

/* The model descriptor: `typedef struct lds_model lds_model;`, lds_dtype and
 * lds_tensor_info. Treat lds_model as opaque and read it through the
 * introspection functions below; its layout is the compiler's ABI. */
#include "lds/model_abi.h"

#if defined(_WIN32)
#define LDS_API
#else
#define LDS_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  LDS_SOLVER_AUTO,
  LDS_SOLVER_SEQUENTIAL,
  LDS_SOLVER_JACOBI,
  LDS_SOLVER_PICARD,
  LDS_SOLVER_QUASI_NEWTON,
  LDS_SOLVER_NEWTON
} lds_solver;

typedef enum { LDS_DEVICE_AUTO, LDS_DEVICE_CPU, LDS_DEVICE_CUDA } lds_device;

typedef enum {
  LDS_OK = 0,
  LDS_ERR_INVALID_ARGUMENT, /* a bad pointer, size, enum, option or model */
  LDS_ERR_NONFINITE,        /* non-finite x0, input or guess; or the
                               trajectory itself is not finite */
  LDS_ERR_NOT_CONVERGED,    /* max_iters ran out; states hold the last
                               iterate */
  LDS_ERR_NO_DEVICE,        /* the requested device is not usable */
  LDS_ERR_OUT_OF_MEMORY,
  LDS_ERR_DEVICE, /* a CUDA error */
  LDS_ERR_INTERNAL
} lds_status;

/* Default tolerances of the stopping test (0 in lds_options selects them):
 * a step t has converged when, for every d,
 *     |x_t[d] - f(x_{t-1}, u_t)[d]| <= atol + rtol * |x_t[d]|.     */
#define LDS_DEFAULT_ATOL_F32 1e-5
#define LDS_DEFAULT_RTOL_F32 1e-4
#define LDS_DEFAULT_ATOL_F64 1e-10
#define LDS_DEFAULT_RTOL_F64 1e-9

typedef struct {     /* fields may be added at the end, never reordered */
  lds_solver solver; /* LDS_SOLVER_AUTO (default): the model's choice,
                        adjusted to T, batch and threads (docs/runtime.md) */
  lds_device device; /* LDS_DEVICE_AUTO (default): a GPU when usable */
  int64_t max_iters; /* 0: T. Fixed-point iterations per sequence */
  double atol, rtol; /* 0: the dtype's default (LDS_DEFAULT_*) */
  int num_threads;   /* 0: all hardware threads */
  const void *initial_guess; /* [batch][T][D] warm start, or NULL (x0
                                repeated); may be the `states` pointer
                                itself, must not otherwise overlap it */
  void *cuda_stream;         /* a CUstream for a GPU solve (in the calling
                                thread's current context), or NULL: one of
                                the runtime's own. lds_solve returns when
                                the solve is done either way */
} lds_options;

typedef struct {
  lds_solver solver;   /* what finished (after auto and fallbacks; the safest
                          one used by any sequence of the batch) */
  lds_device device;   /* where it ran */
  int64_t iterations;  /* max over the batch; a sequential pass counts 1 */
  int converged;       /* 1 if every sequence met the tolerance */
  double max_residual; /* max |x_t - f(x_{t-1}, u_t)| over t, d and the
                          batch at the end; NaN if not finite */
  int fallbacks;       /* how many times a safer solver took over (max over
                          the batch): non-finite values or the cost guard */
  double seconds;      /* wall time of the call */
} lds_stats;

/* Defaults: AUTO solver and device, max_iters 0 (T), atol = rtol = 0 (the
 * dtype's default), num_threads 0 (all), no initial guess. */
LDS_API lds_options lds_default_options(void);

/* Solves the recurrence for `batch` independent sequences.
 *   params: one pointer per declared param, declaration order, row-major,
 *           shared by the batch (may be NULL when the model has none)
 *   x0:     [batch][D]
 *   inputs: one pointer per declared input, declaration order, each
 *           [batch][T][its size] in its own dtype (i32 inputs as int32_t);
 *           u_t for t = 1..T (may be NULL when the model has none)
 *   states: out, [batch][T][D]; states[b][t-1] = x_t; must not overlap
 *           x0, an input or a param (else LDS_ERR_INVALID_ARGUMENT)
 *   opts:   NULL for lds_default_options()
 *   stats:  out, may be NULL; written on every return (a call that fails
 *           before solving sets only seconds, and device and solver once
 *           chosen; the rest is 0).
 * Values of x0 and float inputs must be finite (else LDS_ERR_NONFINITE);
 * i32 inputs must lie in [0, index_range) of their declaration (else
 * LDS_ERR_INVALID_ARGUMENT). */
LDS_API lds_status lds_solve(const lds_model *m, const void *const *params,
                             const void *x0, const void *const *inputs,
                             int64_t T, int64_t batch, void *states,
                             const lds_options *opts, lds_stats *stats);

/* J[i][j] = df_i/dx_j at (x, u): D x D, row-major. `u[i]` points to one
 * step's value of input i. */
LDS_API lds_status lds_jacobian(const lds_model *m, const void *const *params,
                                const void *x, const void *const *u, void *J);

/* x_next = f(x, u): one step. `x_next` may equal `x`; it must not otherwise
 * overlap x, u or params (nor may J of lds_jacobian). */
LDS_API lds_status lds_step(const lds_model *m, const void *const *params,
                            const void *x, const void *const *u, void *x_next);

/* A static, human-readable name of the status ("ok", "invalid argument"). */
LDS_API const char *lds_status_string(lds_status s);

/* The message of the last call that failed in this thread (calls that
 * succeed leave it alone); "" if none failed. The pointer stays valid until
 * the next failing call in this thread. */
LDS_API const char *lds_last_error(void);

/*===-- Introspection ------------------------------------------------------===*
 * On a NULL or incompatible model these return NULL, 0 or LDS_DTYPE_INVALID
 * and set lds_last_error(). Indices out of range return NULL (and set it). */

LDS_API const char *lds_model_name(const lds_model *m);
/* LDS_DTYPE_F32 or LDS_DTYPE_F64; LDS_DTYPE_INVALID on error. */
LDS_API lds_dtype lds_model_dtype(const lds_model *m);
/* D: the states concatenated in declaration order. */
LDS_API int64_t lds_model_state_dim(const lds_model *m);
LDS_API int32_t lds_model_num_states(const lds_model *m);
LDS_API int32_t lds_model_num_inputs(const lds_model *m);
LDS_API int32_t lds_model_num_params(const lds_model *m);
/* Name, dtype, rank, shape, size (and index_range of i32 inputs). */
LDS_API const lds_tensor_info *lds_model_state(const lds_model *m, int32_t i);
LDS_API const lds_tensor_info *lds_model_input(const lds_model *m, int32_t i);
LDS_API const lds_tensor_info *lds_model_param(const lds_model *m, int32_t i);
/* The solver the compiler selected for the model. */
LDS_API lds_solver lds_model_default_solver(const lds_model *m);
/* 1 if `s` can run on this model (SEQUENTIAL always; AUTO always), else 0. */
LDS_API int lds_model_has_solver(const lds_model *m, lds_solver s);

/* "auto", "sequential", "jacobi", "picard", "quasi-newton", "newton";
 * "cpu", "cuda"; "f32", "f64", "i32". "unknown" otherwise. */
LDS_API const char *lds_solver_name(lds_solver s);
LDS_API const char *lds_device_name(lds_device d);
LDS_API const char *lds_dtype_name(lds_dtype t);
/* Parses a name of lds_solver_name (also "quasi_newton"); returns 1 and sets
 * *out on success, 0 otherwise. */
LDS_API int lds_solver_from_name(const char *name, lds_solver *out);

#ifdef __cplusplus
}
#endif

#endif /* LDS_RUNTIME_H */
