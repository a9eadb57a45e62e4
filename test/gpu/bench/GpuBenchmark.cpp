//===- GpuBenchmark.cpp - lds_solve on a GPU: time, iterations, GB/s ------===//
//
// For GRU (D = 8 and 64), the elementwise model, Langevin (D = 32) and S5,
// batch 16, T from 1k to 1M: every solver the model has GPU kernels for and
// the fused sequential GPU kernel, with LDS_DEVICE_CUDA. Prints one CSV row
// per run: wall time (best of 3 after a warm-up), iterations, what ran, an
// effective bandwidth (bytes of states, guess and inputs an iteration
// streams, times iterations, over the time: an estimate, not a profile)
// and the speedup against the sequential GPU kernel at the same size.
//
//   LDS_BENCH_LENGTHS=1000,10000 lds-gpu-bench     other lengths
//   LDS_BENCH_BUDGET=60                            seconds a (model, solver)
//                                                  may take before its longer
//                                                  lengths are skipped
//
// Exits 2 (and prints why) when no GPU is usable.
//
//===----------------------------------------------------------------------===//

#include "lds/runtime.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
const lds_model *lds_model_gru(void);
const lds_model *lds_model_gru64(void);
const lds_model *lds_model_elementwise(void);
const lds_model *lds_model_langevin(void);
const lds_model *lds_model_s5(void);
}

namespace {

std::vector<int64_t> lengths() {
  const char *v = std::getenv("LDS_BENCH_LENGTHS");
  std::string s = v && *v ? v : "1000,10000,100000,1000000";
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    out.push_back(std::atoll(item.c_str()));
  return out;
}

/// Random data as the reference experiments draw it (DESIGN.md section 2),
/// f32 only: weights uniform / sqrt(fan-in), inputs N(0, 1); S5 gets its
/// permutation matrices and uniform words.
struct Data {
  std::vector<std::vector<float>> params;
  std::vector<std::vector<char>> inputs;
  std::vector<float> x0;
  std::vector<const void *> paramPtrs, inputPtrs;
  int64_t inputBytesPerStep = 0;

  Data(const lds_model *m, int64_t T, int64_t batch) {
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<float> uniform(-1, 1);
    std::normal_distribution<float> normal(0, 1);
    for (int i = 0; i < m->num_params; ++i) {
      const lds_tensor_info &t = m->params[i];
      std::vector<float> v(t.size);
      if (t.rank == 3 && t.shape[0] == 120) {
        std::vector<int> perm = {0, 1, 2, 3, 4};
        v.clear();
        do
          for (int r = 0; r < 5; ++r)
            for (int c = 0; c < 5; ++c)
              v.push_back(perm[r] == c ? 1.f : 0.f);
        while (std::next_permutation(perm.begin(), perm.end()));
      } else {
        float scale = t.rank == 2 ? 1 / std::sqrt(float(t.shape[1])) : 0.5f;
        for (float &e : v)
          e = scale * uniform(rng);
      }
      params.push_back(v);
    }
    for (int i = 0; i < m->num_inputs; ++i) {
      const lds_tensor_info &t = m->inputs[i];
      inputs.emplace_back(batch * T * t.size * 4);
      inputBytesPerStep += t.size * 4;
      for (int64_t k = 0; k < batch * T * t.size; ++k) {
        if (t.dtype == LDS_DTYPE_I32)
          reinterpret_cast<int32_t *>(inputs.back().data())[k] =
              int32_t(rng() % t.index_range);
        else
          reinterpret_cast<float *>(inputs.back().data())[k] = normal(rng);
      }
    }
    x0.resize(batch * m->state_dim);
    for (float &e : x0)
      e = 0.5f * normal(rng);
    for (auto &v : params)
      paramPtrs.push_back(v.data());
    for (auto &v : inputs)
      inputPtrs.push_back(v.data());
  }
};

struct Run {
  lds_status status;
  lds_stats stats;
  double seconds;
};

Run solve(const lds_model *m, const Data &d, int64_t T, int64_t batch,
          lds_solver s, std::vector<float> &states) {
  lds_options o = lds_default_options();
  o.solver = s;
  o.device = LDS_DEVICE_CUDA;
  Run best{LDS_OK, {}, INFINITY};
  for (int rep = 0; rep < 4; ++rep) { // a warm-up, then the best of 3
    Run r;
    r.status = lds_solve(m, d.paramPtrs.data(), d.x0.data(), d.inputPtrs.data(),
                         T, batch, states.data(), &o, &r.stats);
    r.seconds = r.stats.seconds;
    if (r.status != LDS_OK && r.status != LDS_ERR_NOT_CONVERGED)
      return r;
    if (rep > 0 && r.seconds < best.seconds)
      best = r;
    if (rep == 0 && r.seconds > 20)
      return r; // long runs: once
  }
  return best;
}

} // namespace

int main() {
  struct Entry {
    const char *name;
    const lds_model *(*get)(void);
  };
  const Entry models[] = {{"gru", lds_model_gru},
                          {"gru64", lds_model_gru64},
                          {"elementwise", lds_model_elementwise},
                          {"langevin", lds_model_langevin},
                          {"s5", lds_model_s5}};
  const char *budgetEnv = std::getenv("LDS_BENCH_BUDGET");
  double budget = budgetEnv ? std::atof(budgetEnv) : 60;
  const int64_t batch = 16;
  std::printf("model,D,T,batch,solver,ran,status,iterations,fallbacks,"
              "seconds,effective_GBps,speedup_vs_sequential\n");
  for (const Entry &e : models) {
    const lds_model *m = e.get();
    std::vector<lds_solver> solvers = {LDS_SOLVER_SEQUENTIAL};
    for (int s = LDS_SOLVER_JACOBI; s <= LDS_SOLVER_NEWTON; ++s)
      if (m->gpu && m->gpu->has_solver[s])
        solvers.push_back(static_cast<lds_solver>(s));
    solvers.push_back(LDS_SOLVER_AUTO);
    std::vector<bool> overBudget(solvers.size(), false);
    for (int64_t T : lengths()) {
      Data d(m, T, batch);
      std::vector<float> states(batch * T * m->state_dim);
      double sequential = NAN;
      for (size_t k = 0; k < solvers.size(); ++k) {
        if (overBudget[k])
          continue;
        Run r = solve(m, d, T, batch, solvers[k], states);
        if (r.status == LDS_ERR_NO_DEVICE) {
          std::fprintf(stderr, "lds-gpu-bench: %s\n", lds_last_error());
          return 2;
        }
        if (solvers[k] == LDS_SOLVER_SEQUENTIAL)
          sequential = r.seconds;
        double bytes = double(batch) * T *
                       (3.0 * m->state_dim * 4 + d.inputBytesPerStep) *
                       std::max<int64_t>(1, r.stats.iterations);
        std::printf("%s,%lld,%lld,%lld,%s,%s,%s,%lld,%d,%.6f,%.2f,%.2f\n",
                    e.name, (long long)m->state_dim, (long long)T,
                    (long long)batch, lds_solver_name(solvers[k]),
                    lds_solver_name(r.stats.solver),
                    lds_status_string(r.status), (long long)r.stats.iterations,
                    r.stats.fallbacks, r.seconds, bytes / r.seconds / 1e9,
                    sequential / r.seconds);
        std::fflush(stdout);
        if (r.status != LDS_OK && r.status != LDS_ERR_NOT_CONVERGED)
          std::fprintf(stderr, "%s %s T %lld: %s\n", e.name,
                       lds_solver_name(solvers[k]), (long long)T,
                       lds_last_error());
        if (r.seconds > budget)
          overBudget[k] = true;
      }
    }
  }
  return 0;
}
