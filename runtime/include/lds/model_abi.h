/*===- model_abi.h - the compiled-model ABI between lds-compile and the runtime
 *-===*
 *
 * A model object produced by lds-compile defines
 *     const lds_model *lds_model_<name>(void);
 * returning a descriptor with this layout. The runtime reads only this
 * struct: the model's signature, and per-step kernels compiled from the
 * model (the step f, its Jacobian, and for each fixed-point solver the
 * linearisation `element`, the scan `combine` and `apply`, and the stopping
 * test `check`; and `sequential`, f over a run of steps in one compiled
 * loop). All solver math lives in those compiled kernels, generated
 * from one place in the compiler for the CPU and GPU paths alike; the
 * runtime schedules them (chunks, threads, sliding window, fallbacks).
 *
 * Pointers to values are `void *` to data of the model's float type
 * (`float` or `double`), row-major; i32 inputs point to `int32_t`.
 *===----------------------------------------------------------------------===*/

#ifndef LDS_MODEL_ABI_H
#define LDS_MODEL_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LDS_ABI_VERSION 1

/* LDS_DTYPE_INVALID: what lds_model_dtype() returns for a model it cannot
 * read (no tensor or model has it). */
typedef enum {
  LDS_DTYPE_INVALID = -1,
  LDS_DTYPE_F32 = 0,
  LDS_DTYPE_F64 = 1,
  LDS_DTYPE_I32 = 2
} lds_dtype;

/* A declared state, input or param. */
typedef struct {
  const char *name;
  lds_dtype dtype;
  int32_t rank;     /* 0..3 */
  int64_t shape[3]; /* the first `rank` entries are used */
  int64_t size;     /* number of elements (1 for a scalar) */
  int64_t
      index_range; /* i32 inputs: valid values are [0, index_range); else 0 */
} lds_tensor_info;

/* One time step: `inputs[i]` points to input i's value at this step,
 * `params[i]` to param i. Writes D values (f), D*D (Jacobian, row-major
 * J[i][j] = df_i/dx_j) or D (its diagonal) to `out`. `out` may alias `x`. */
typedef void (*lds_step_fn)(const void *x, const void *const *inputs,
                            const void *const *params, void *out);

/* The linearisation of one step around the current guess x_prev (x_{t-1}^(i)):
 * x_t^(i+1) = A_t x_{t-1}^(i+1) + b_t. Writes A (a_size values) and b (D). */
typedef void (*lds_element_fn)(const void *x_prev, const void *const *inputs,
                               const void *const *params, void *a, void *b);

/* Scan combine: (A, b) = (A2, b2) o (A1, b1) = (A2 A1, A2 b1 + b2), i.e. the
 * map "first 1, then 2". Outputs may alias either input. */
typedef void (*lds_combine_fn)(const void *a2, const void *b2, const void *a1,
                               const void *b1, void *a, void *b);

/* out = A x + b. `out` may alias `x`. */
typedef void (*lds_apply_fn)(const void *a, const void *b, const void *x,
                             void *out);

/* Stopping test for one step: returns (in *out, one value of the float type)
 * max_d ( |x_new[d] - x_old[d]| - (atol + rtol |x_new[d]|) ): <= 0 means the
 * step met the tolerance; NaN if any value is not finite. `tol` holds
 * {atol, rtol} in the float type. */
typedef void (*lds_check_fn)(const void *x_new, const void *x_old,
                             const void *tol, void *out);

/* A run of n steps of f, for a sequential pass: for t in [0, n),
 * out_t = f(prev, u_t) with prev = x_prev for t = 0 and out_{t-1} after.
 * Input i's value at step t is at `inputs[i] + t * input_step_bytes[i]`
 * (bytes); `out` holds n rows of D values, contiguous. `x_prev` must not
 * point into `out`. The same result as calling `step` row by row, in one
 * compiled loop. */
typedef void (*lds_sequential_fn)(const void *x_prev, const void *const *inputs,
                                  const int64_t *input_step_bytes,
                                  const void *const *params, int64_t n,
                                  void *out);

/* A chunk's scan map in one compiled loop (phase 1 of an iteration): the
 * element of step t in [0, n) linearises around x_first for t = 0 and
 * around guess_rows[t-1] after (`guess_rows` holds rows of D values,
 * contiguous); the elements are combined in step order with the solver's
 * `combine` into (a, b), the map of the whole chunk. Input i's value at step
 * t is at `inputs[i] + t * input_step_bytes[i]` (bytes). `a` is unused for
 * Jacobi and Picard. The same bits as element and combine called per step. */
typedef void (*lds_reduce_fn)(const void *x_first, const void *guess_rows,
                              const void *const *inputs,
                              const int64_t *input_step_bytes,
                              const void *const *params, int64_t n, void *a,
                              void *b);

/* A run of n rows of a chunk's new iterate (phase 3): for t in [0, n), the
 * element of step t linearises around guess_first for t = 0 and around
 * guess_rows[t-1] after; out_rows[t] = apply(A_t, b_t, prev) with
 * prev = x_in for t = 0 and out_rows[t-1] after; then
 * excess[t] = check(out_rows[t], guess_rows[t], tol) (one value of the float
 * type each: <= 0 converged, NaN if not finite). `guess_rows` is the
 * previous iterate at the same n steps as `out_rows` (D values a row,
 * contiguous); inputs as for lds_reduce_fn. `out_rows` must not overlap
 * `x_in`, `guess_first` or `guess_rows`. The same bits as element, apply and
 * check called per step. */
typedef void (*lds_sweep_fn)(const void *guess_first, const void *x_in,
                             const void *guess_rows, const void *const *inputs,
                             const int64_t *input_step_bytes,
                             const void *const *params, int64_t n,
                             void *out_rows, const void *tol, void *excess);

/* A solver's fused chunk loops; both NULL: absent (the runtime then calls
 * the solver's per-step kernels). */
typedef struct {
  lds_reduce_fn reduce;
  lds_sweep_fn sweep;
} lds_chunk_kernels;

/* How a solver's A_t is stored. */
typedef enum {
  LDS_A_NONE = 0,     /* Jacobi: A_t = 0 (no storage) */
  LDS_A_IDENTITY = 1, /* Picard: A_t = I (no storage) */
  LDS_A_DIAGONAL = 2, /* quasi-Newton: D values */
  LDS_A_DENSE = 3     /* Newton: D*D values, row-major */
} lds_a_kind;

typedef struct {
  lds_element_fn element; /* NULL: this solver was not compiled */
  lds_combine_fn combine;
  lds_apply_fn apply;
  int32_t a_kind;        /* lds_a_kind */
  int64_t a_size;        /* values in A: 0, 0, D or D*D */
  double flops_per_step; /* compiler's estimate for element + combine */
} lds_solver_kernels;

/* Indexed by lds_solver (runtime.h): AUTO (unused), SEQUENTIAL (unused),
 * JACOBI, PICARD, QUASI_NEWTON, NEWTON. */
#define LDS_NUM_SOLVER_SLOTS 6

typedef struct lds_model {
  int32_t abi_version; /* LDS_ABI_VERSION */
  const char *name;
  lds_dtype dtype;   /* float type of states, float inputs and params */
  int64_t state_dim; /* D: the states concatenated in declaration order */
  int32_t num_states;
  const lds_tensor_info *states;
  int32_t num_inputs;
  const lds_tensor_info *inputs;
  int32_t num_params;
  const lds_tensor_info *params;
  int32_t default_solver; /* lds_solver the compiler selected */
  double flops_per_step;  /* compiler's estimate for one step of f */
  lds_step_fn step;       /* f */
  lds_step_fn jacobian;   /* dense J */
  lds_step_fn jacobian_diag;
  lds_check_fn check;
  lds_solver_kernels solvers[LDS_NUM_SOLVER_SLOTS];
  /* Structure facts from the compiler's analysis (appended in version 1). */
  int32_t is_affine; /* f is affine in x: Newton is exact in one iteration */
  int32_t jacobian_kind; /* 0 dense, 1 diagonal, 2 identity plus small,
                            3 zero, 4 block-diagonal, 5 gathered */
  /* Appended in version 1: `step` over a run of steps; NULL: absent (the
   * runtime then calls `step` per step). */
  lds_sequential_fn sequential;
  /* Appended in version 1: per solver (indexed as `solvers`), the chunk
   * loops of an iteration in compiled form; NULL: absent. */
  lds_chunk_kernels chunks[LDS_NUM_SOLVER_SLOTS];
} lds_model;

#ifdef __cplusplus
}
#endif

#endif /* LDS_MODEL_ABI_H */
