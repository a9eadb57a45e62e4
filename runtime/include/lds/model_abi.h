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

#define LDS_ABI_VERSION 4

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

/* `sequential` for `lanes` sequences at once (lds_model::lanes): lane l
 * steps from x_prev[l] into the n rows at out[l], reading input i at
 * `inputs[l * num_inputs + i] + t * input_step_bytes[i]`. The lanes share
 * the params, n and the step strides. Each lane's rows are the same as
 * `sequential` would write for it alone (bit for bit only up to the
 * reassociation of sums). No x_prev[l] may point into an out[k]; two lanes
 * may be given the same pointers (they then write the same values). */
#define LDS_MAX_LANES 64
typedef void (*lds_sequential_lanes_fn)(const void *const *x_prev,
                                        const void *const *inputs,
                                        const int64_t *input_step_bytes,
                                        const void *const *params, int64_t n,
                                        void *const *out);
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

/*===-- GPU kernels (CUDA) -------------------------------------------------===*
 * With --target=cuda|all the object embeds the model's GPU kernels as images
 * (cubin per architecture, and PTX for the driver to JIT-compile on others).
 * Every kernel takes one argument: a pointer, in device memory, to an
 * lds_gpu_args. Kernel names (C symbols in the image), for model `M` and
 * solver `S` in jacobi, picard, quasi_newton, newton (the four row kernels
 * S_reduce, S_scan, S_sweep and S_iterate are absent where channels[S] is
 * LDS_GPU_CHANNELS_ONLY, S_iterate where iterate_block[S] is 0):
 *
 *   lds_gpu_M_sequential   one thread per work item j (grid.x * block.x >= n):
 *                          rows [lo[j], T) of sequence seq[j] one after the
 *                          other into `out`, from x_in (below); first_bad[j]
 *                          is lowered to the first row with a non-finite
 *                          value (atomic min).
 *   lds_gpu_M_residual     thread (r, j), grid.y = n, r over
 *                          [0, hi[j] - lo[j]): max_d |out_t - f(x_{t-1})| for
 *                          row t = lo[j] + r of `out` (x_{t-1} = out row t-1,
 *                          or x_in for t = lo[j]) into residual[j] (atomic max
 *                          on the bits of a non-negative value); nonfinite[j]
 *                          = 1 if a value is not finite.
 *   lds_gpu_M_S_reduce     thread (c, j), grid.y = n, c < num_chunks: chunk c
 *                          of item j is rows [lo + c L, min(lo + (c+1) L, T))
 *                          (L = chunk_len; empty past T); writes its map
 *                          (A then b, a_size + D values; the identity if
 *                          empty) to agg[j][c]. Linearises around `guess`
 *                          (the row before the chunk: x_in for c = 0).
 *   lds_gpu_M_S_scan       one block per item (grid.x = n), block.x a
 *                          multiple of 32 and <= scan_block: an exclusive scan
 *                          of agg[j][0..num_chunks) applied to x_in gives
 *                          carry[j][c], x at the row before chunk c
 *                          (carry[j][0] = x_in). Thread-serial, then warp
 *                          shuffles, then shared memory across warps.
 *   lds_gpu_M_S_sweep      thread (c, j) as reduce: the chunk's new iterate
 *                          from carry[j][c] into `out`, the last row of a
 *                          chunk but the final one taking carry[j][c+1]
 *                          (as the CPU executor does); excess[b][t] = the
 *                          stopping test of the row against `guess`;
 *                          first_bad[j] lowered to the first row whose test
 *                          is > 0 or NaN; nonfinite[j] = 1 on NaN.
 *   lds_gpu_M_S_iterate    (GPU ABI 2) reduce, scan and sweep in one launch:
 *                          grid (B, n), blocks of iterate_block[S] threads;
 *                          block k of item j takes ticket v = atomicAdd(
 *                          ticket[j], 1) and handles chunks [v b, (v+1) b)
 *                          (b = block.x, one chunk per thread). The block
 *                          scans its chunks' maps (warp shuffles, shared
 *                          memory), publishes its aggregate map in tile[j][v]
 *                          (tile_flag 1), looks back over tiles v-1, v-2, ...
 *                          to the first with an inclusive x (flag 2),
 *                          applies the aggregates after it to get x before
 *                          its first chunk, publishes its own inclusive x
 *                          (flag 2), then sweeps its chunks as the sweep
 *                          kernel does. The runtime zeroes tile_flag and
 *                          ticket before each launch; agg and carry are not
 *                          used.
 *
 * Channel kernels (GPU ABI 4; channels[slot] != 0), for a model that treats
 * its state channels apart (lds-slice-channels): the same work with a thread
 * per channel ch of a row vector, neighbouring threads on neighbouring
 * channels; the tests of a channel are folded in the thread (excess is not
 * used):
 *
 *   lds_gpu_M_sequential_ch  thread x: channel x % D of item x / D
 *                            (grid.x * block.x >= n D), as sequential.
 *   lds_gpu_M_S_reduce_ch    thread x, grid.y = n: channel x % D of chunk
 *                            x / D (x < num_chunks D) into agg[j][c] at A[ch]
 *                            and b[ch] (the layout above).
 *   lds_gpu_M_S_scan_ch      thread x < D, grid.y = n: channel x's maps of
 *                            chunks 0, 1, ... applied in turn to x_in, each
 *                            carry into carry[j][c][x].
 *   lds_gpu_M_S_sweep_ch     thread as reduce_ch: as sweep, on the channel.
 *   lds_gpu_M_S_iterate_ch   the three in one launch (channel_iterate_block[S]
 *                            > 0): grid (B, n G) with G = ceil(D / 32)
 *                            groups of 32 channels; block (k, jg) of item
 *                            j = jg / G, group g = jg % G takes ticket v =
 *                            atomicAdd(ticket[jg], 1) and chunks [v W,
 *                            (v+1) W) (W = block.x / 32: warp w takes chunk
 *                            v W + w, lane l channel min(32 g + l, D - 1)).
 *                            Each lane publishes its channel's aggregate map
 *                            of the tile in tile[jg][v][l] (tile_flag
 *                            [jg][v][l] = 1), looks back over its own flags
 *                            to the first inclusive x (2), and publishes its
 *                            inclusive x (2); tile entries are (A, b, x) of
 *                            the channel (2 or 3 values). The runtime zeroes
 *                            tile_flag and ticket before the launch.
 *
 * Block-cooperative solvers (GPU ABI 3; coop_block[S] > 0, Newton at large
 * D): the reduce, scan and sweep kernels above run one *block* where the
 * others run one thread, every thread of the block stepping through the same
 * chunk and splitting each step's D x D work: reduce and sweep take block
 * (c, j) (grid (num_chunks, n)), the scan block j (grid n, applying the
 * chunk maps one after the other), all with coop_block[S] threads and
 * coop_scratch[S] bytes of `scratch` per block. There is no iterate kernel.
 *
 * x_in of item j is row lo[j] - 1 of `final_rows`, or x0 when lo[j] = 0.
 * Inputs are [batch][T][size] in their own dtype, as lds_solve takes them.
 * As in the CPU executor: the window's first row (t = lo[j]) is f(x_in),
 * exact by causality, and its stopping test is against itself (finiteness
 * only), as is every row's when the solver is exact for the model (Newton
 * on an affine f; quasi-Newton on an affine f with a diagonal Jacobian).
 * The final chunk of an item is the one reaching T (lo + (c+1) L >= T); the
 * runtime launches num_chunks * chunk_len >= T - lo[j] for every item, and
 * chunks past the final one are empty. A chunk's map in agg is A (a_size
 * values; none for Jacobi and Picard) then b (D values).
 * Format-2 (host emulation) kernels call the functions declared in
 * lds/gpu_emulator_hooks.h where the CUDA kernels use NVVM intrinsics.
 *===----------------------------------------------------------------------===*/

#define LDS_GPU_ABI_VERSION 5

/* lds_gpu_module.channels[slot]: only the channel kernels exist. */
#define LDS_GPU_CHANNELS_ONLY 2

typedef struct {
  int64_t T;
  int64_t n;                 /* work items in this launch */
  const int64_t *seq;        /* [n] sequence (batch index) of item j */
  const int64_t *lo;         /* [n] first row of item j (its front) */
  const int64_t *hi;         /* [n] end of item j's rows (residual kernel) */
  int64_t chunk_len;         /* L: rows per chunk (reduce, scan, sweep) */
  int64_t num_chunks;        /* chunks per item in this launch */
  const void *x0;            /* [batch][D] */
  const void *const *inputs; /* [num_inputs] device pointers */
  const void *const *params; /* [num_params] device pointers */
  const void *final_rows;    /* [batch][T][D]: rows before lo[j] are final */
  const void *guess;         /* [batch][T][D]: the current iterate */
  void *out;                 /* [batch][T][D]: the new iterate / rows */
  void *agg;                 /* [n][num_chunks][a_size + D] */
  void *carry;               /* [n][num_chunks][D] */
  void *excess;              /* [batch][T], the float type */
  int64_t *first_bad;        /* [n]: the runtime sets T before a launch */
  int32_t *nonfinite;        /* [n]: the runtime sets 0 before a launch */
  void *residual;            /* [n], the float type; the runtime sets 0 */
  double atol, rtol;
  /* Appended in GPU ABI 2, for the iterate kernels. */
  void *tile;         /* [n][B][a_size + 2 D]: a block's aggregate map
                         (A, b), then x after its last chunk */
  int32_t *tile_flag; /* [n][B]: 0 nothing yet, 1 aggregate, 2 inclusive x */
  int32_t *ticket;    /* [n]: the next block's ticket */
  /* Appended in GPU ABI 3, for the cooperative kernels: coop_scratch[S]
     bytes per block, block (c, j) of reduce and sweep at (j num_chunks +
     c), block j of the scan at j. */
  void *scratch;
} lds_gpu_args;

/* One embedded image of the kernels. */
typedef struct {
  const char *arch; /* "sm_80", "sm_90" (cubin), "compute_80" (PTX) */
  int32_t format;   /* 0 cubin, 1 PTX text (NUL-terminated), 2 host
                       emulation: `data` is an lds_gpu_host_kernel table */
  const void *data;
  int64_t size; /* bytes (format 0, 1); entries (format 2) */
} lds_gpu_image;

/* Format 2: the kernels compiled for the host, run by the runtime's GPU
 * emulator (tests without a GPU). */
typedef struct {
  const char *name;
  void (*fn)(const lds_gpu_args *);
} lds_gpu_host_kernel;

typedef struct {
  int32_t abi_version; /* LDS_GPU_ABI_VERSION */
  int32_t num_images;
  const lds_gpu_image *images;
  int32_t scan_block; /* most threads a scan block may have (a multiple of
                         32, at least 32; the scan kernels' static shared
                         memory is sized for it) */
  /* Indexed as lds_model.solvers: 1 if the GPU kernels of the solver exist
   * (a solver compiled for the CPU may be too large for the GPU). */
  int32_t has_solver[LDS_NUM_SOLVER_SLOTS];
  /* Appended in GPU ABI 2, indexed as has_solver: the threads of an
   * iterate kernel's block (a multiple of 32; its shared memory is sized
   * for it), or 0 if the solver has no iterate kernel (its reduce, scan and
   * sweep kernels then serve alone). */
  int32_t iterate_block[LDS_NUM_SOLVER_SLOTS];
  /* Appended in GPU ABI 3, indexed as has_solver: the threads of a block of
   * the solver's block-cooperative kernels (a multiple of 32), or 0 if its
   * kernels run a chunk per thread; and the bytes of global scratch each
   * such block needs (lds_gpu_args.scratch). */
  int32_t coop_block[LDS_NUM_SOLVER_SLOTS];
  int64_t coop_scratch[LDS_NUM_SOLVER_SLOTS];
  /* Appended in GPU ABI 4, indexed as has_solver: 1 if the channel kernels
   * exist (slot SEQUENTIAL: lds_gpu_M_sequential_ch; a solver's slot: its
   * reduce_ch, scan_ch and sweep_ch), which the runtime then prefers;
   * LDS_GPU_CHANNELS_ONLY (GPU ABI 5) if they exist and the solver's row
   * kernels (reduce, scan, sweep, iterate) do not, as they needed too much
   * local memory per thread. */
  int32_t channels[LDS_NUM_SOLVER_SLOTS];
  /* Also GPU ABI 4, indexed as has_solver: the threads of a block of the
   * solver's lds_gpu_M_S_iterate_ch (a multiple of 32), or 0 if it has
   * none. */
  int32_t channel_iterate_block[LDS_NUM_SOLVER_SLOTS];
} lds_gpu_module;

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
  /* Appended in version 2: the GPU kernels; NULL: compiled for the CPU
   * only. */
  const lds_gpu_module *gpu;
  /* Appended in version 3: the sequences `sequential_lanes` steps at once
   * (the state- and input-dependent values of f are vectors of this many
   * lanes, 2 to LDS_MAX_LANES), and that kernel; 0 and NULL: absent (the
   * runtime then steps each sequence with `sequential`). */
  int32_t lanes;
  lds_sequential_lanes_fn sequential_lanes;
  /* Appended in version 4: a kernel whose buffers exceed the stack limit
   * (lds-compile keeps a CPU function's stack buffers within 256 KiB) takes
   * the rest from malloc, once per call. If that fails, the kernel calls
   * the function this slot holds (if not NULL) with the bytes it asked for,
   * on the calling thread, and returns without computing: its outputs are
   * undefined. The runtime sets the slot before it runs kernels, and
   * reports LDS_ERR_OUT_OF_MEMORY. NULL: no kernel of the model allocates. */
  void (**alloc_failure_hook)(int64_t bytes);
  /* Also version 4: the stack one kernel call may take, in bytes (the
   * compiler's estimate: the buffers of the deepest call chain, plus 64 KiB
   * for spills and the runtime's frames). The runtime runs kernels only on
   * threads with that much stack left: a caller with less is served by a
   * thread of its own for the call. */
  int64_t stack_bytes;
} lds_model;

#ifdef __cplusplus
}
#endif

#endif /* LDS_MODEL_ABI_H */
