/*===- main.c - solve the GRU of examples/gru.lds from C --------*- C -*-===*
 *
 * Uses a model compiled by lds-compile (gru.o + gru.h) and the lds runtime:
 * solves a batch of GRU trajectories on random data in parallel over time,
 * then once more sequentially, and prints the iterations, the difference
 * and the last state. Build it with CMake (CMakeLists.txt here) or by hand:
 *   lds-compile ../gru.lds -o gru.o --header gru.h
 *   cc -I. main.c gru.o $(pkg-config --cflags --libs lds)
 *===----------------------------------------------------------------------===*/

#include "gru.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { D = LDS_GRU_STATE_DIM, T = 1000, BATCH = 4 };

/* A fixed-seed generator, so every run (and main.cpp) sees the same data. */
static uint64_t rng_state = 42;
static double uniform(void) { /* [0, 1) */
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(rng_state >> 11) * (1.0 / 9007199254740992.0);
}
static double normal(void) { /* approximately N(0, 1): sum of 12 uniforms */
  double s = 0;
  for (int i = 0; i < 12; ++i)
    s += uniform();
  return s - 6;
}
static void fill_uniform(float *v, size_t n, double k) { /* U(-k, k) */
  for (size_t i = 0; i < n; ++i)
    v[i] = (float)((2 * uniform() - 1) * k);
}

static int check(lds_status s, const char *what) {
  if (s == LDS_OK)
    return 0;
  fprintf(stderr, "%s: %s: %s\n", what, lds_status_string(s), lds_last_error());
  return 1;
}

int main(void) {
  const lds_model *model = lds_model_gru();

  /* Params in declaration order (Wi, Wh, bi, bh), PyTorch's GRU init. */
  static float Wi[3 * D * D], Wh[3 * D * D], bi[3 * D], bh[3 * D];
  const double k = 0.35355339059327373; /* 1 / sqrt(D) */
  fill_uniform(Wi, 3 * D * D, k);
  fill_uniform(Wh, 3 * D * D, k);
  fill_uniform(bi, 3 * D, k);
  fill_uniform(bh, 3 * D, k);
  const void *params[] = {Wi, Wh, bi, bh};

  /* x0: [batch][D]; the input x: [batch][T][D], N(0, 1). */
  static float x0[BATCH * D], x[BATCH * T * D];
  fill_uniform(x0, BATCH * D, 1.0);
  for (size_t i = 0; i < BATCH * T * D; ++i)
    x[i] = (float)normal();
  const void *inputs[] = {x};

  float *states = malloc(sizeof(float) * BATCH * T * D);
  float *reference = malloc(sizeof(float) * BATCH * T * D);
  if (!states || !reference)
    return 1;

  printf("model %s: D = %d, T = %d, batch = %d\n", lds_model_name(model), D, T,
         BATCH);

  /* The solver the compiler chose for the model. LDS_SOLVER_AUTO (the
   * default) may pick sequential evaluation where the batch alone keeps
   * every thread busy. */
  lds_options opts = lds_default_options();
  opts.solver = lds_model_default_solver(model);
  lds_stats stats;
  if (check(
          lds_solve(model, params, x0, inputs, T, BATCH, states, &opts, &stats),
          "lds_solve"))
    return 1;
  /* stats.solver is what finished: a safer solver may have taken over. */
  printf("lds_solve: %s (finished by %s) on %s, %lld iterations, "
         "%d fallbacks, %s, max residual %.1e\n",
         lds_solver_name(opts.solver), lds_solver_name(stats.solver),
         lds_device_name(stats.device), (long long)stats.iterations,
         stats.fallbacks, stats.converged ? "converged" : "NOT converged",
         stats.max_residual);

  /* The same trajectories, one step after another. */
  opts.solver = LDS_SOLVER_SEQUENTIAL;
  if (check(lds_solve(model, params, x0, inputs, T, BATCH, reference, &opts,
                      NULL),
            "lds_solve (sequential)"))
    return 1;
  double max_diff = 0;
  for (size_t i = 0; i < BATCH * T * D; ++i) {
    double d = (double)states[i] - (double)reference[i];
    if (d < 0)
      d = -d;
    if (!(d <= max_diff)) /* NaN wins */
      max_diff = d;
  }
  printf("max |parallel - sequential| = %.1e\n", max_diff);

  printf("last state:");
  for (int d = 0; d < D; ++d)
    printf(" %.4f", states[(size_t)(T - 1) * D + d]); /* sequence 0, t = T */
  printf("\n");

  free(states);
  free(reference);
  return stats.converged ? 0 : 1;
}
