//===- main.cpp - solve the GRU of examples/gru.lds from C++ ---*- C++ -*-===//
//
// main.c in C++: the model's header and lds/runtime.h are plain C with
// extern "C", so a C++ program includes them as they are. Same data (same
// generator and seed) and same output format as main.c.
//===----------------------------------------------------------------------===//

#include "gru.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr int D = LDS_GRU_STATE_DIM, T = 1000, Batch = 4;

// A fixed-seed generator, the same as main.c's.
class Rng {
public:
  double uniform() { // [0, 1)
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) * (1.0 / 9007199254740992.0);
  }
  double normal() { // approximately N(0, 1): sum of 12 uniforms
    double s = 0;
    for (int i = 0; i < 12; ++i)
      s += uniform();
    return s - 6;
  }
  std::vector<float> uniform(size_t n, double k) { // U(-k, k)
    std::vector<float> v(n);
    for (float &x : v)
      x = static_cast<float>((2 * uniform() - 1) * k);
    return v;
  }

private:
  uint64_t state = 42;
};

void check(lds_status s, const std::string &what) {
  if (s != LDS_OK)
    throw std::runtime_error(what + ": " + lds_status_string(s) + ": " +
                             lds_last_error());
}

} // namespace

int main() try {
  const lds_model *model = lds_model_gru();
  Rng rng;

  // Params in declaration order (Wi, Wh, bi, bh), PyTorch's GRU init.
  const double k = 0.35355339059327373; // 1 / sqrt(D)
  std::vector<float> Wi = rng.uniform(3 * D * D, k);
  std::vector<float> Wh = rng.uniform(3 * D * D, k);
  std::vector<float> bi = rng.uniform(3 * D, k);
  std::vector<float> bh = rng.uniform(3 * D, k);
  const void *params[] = {Wi.data(), Wh.data(), bi.data(), bh.data()};

  // x0: [batch][D]; the input x: [batch][T][D], N(0, 1).
  std::vector<float> x0 = rng.uniform(Batch * D, 1.0);
  std::vector<float> x(size_t(Batch) * T * D);
  for (float &v : x)
    v = static_cast<float>(rng.normal());
  const void *inputs[] = {x.data()};

  std::printf("model %s: D = %d, T = %d, batch = %d\n", lds_model_name(model),
              D, T, Batch);

  std::vector<float> states(x.size()), reference(x.size());
  // The solver the compiler chose for the model. LDS_SOLVER_AUTO (the
  // default) may pick sequential evaluation where the batch alone keeps
  // every thread busy.
  lds_options opts = lds_default_options();
  opts.solver = lds_model_default_solver(model);
  lds_stats stats;
  check(lds_solve(model, params, x0.data(), inputs, T, Batch, states.data(),
                  &opts, &stats),
        "lds_solve");
  // stats.solver is what finished: a safer solver may have taken over.
  std::printf("lds_solve: %s (finished by %s) on %s, %lld iterations, "
              "%d fallbacks, %s, max residual %.1e\n",
              lds_solver_name(opts.solver), lds_solver_name(stats.solver),
              lds_device_name(stats.device),
              static_cast<long long>(stats.iterations), stats.fallbacks,
              stats.converged ? "converged" : "NOT converged",
              stats.max_residual);

  // The same trajectories, one step after another.
  opts.solver = LDS_SOLVER_SEQUENTIAL;
  check(lds_solve(model, params, x0.data(), inputs, T, Batch, reference.data(),
                  &opts, nullptr),
        "lds_solve (sequential)");
  double max_diff = 0;
  for (size_t i = 0; i < states.size(); ++i) {
    double d = std::fabs(double(states[i]) - double(reference[i]));
    if (!(d <= max_diff)) // NaN wins
      max_diff = d;
  }
  std::printf("max |parallel - sequential| = %.1e\n", max_diff);

  std::printf("last state:");
  for (int d = 0; d < D; ++d)
    std::printf(" %.4f", states[size_t(T - 1) * D + d]); // sequence 0, t = T
  std::printf("\n");
  return stats.converged ? 0 : 1;
} catch (const std::exception &e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
