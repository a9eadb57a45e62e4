//===- Problem.cpp - the benchmark's models, data and solves --------------===//

#include "Problem.h"

#include "elementwise.h"
#include "gru.h"
#include "gru64.h"
#include "langevin.h"
#include "lstm.h"
#include "s5.h"
#include "ssm.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace lds_bench;

namespace {
struct Entry {
  const char *name;
  const lds_model *(*get)(void);
  bool example;
};
const Entry kModels[] = {
    {"gru", lds_model_gru, true},
    {"lstm", lds_model_lstm, true},
    {"s5", lds_model_s5, true},
    {"langevin", lds_model_langevin, true},
    {"elementwise", lds_model_elementwise, true},
    {"ssm", lds_model_ssm, true},
    {"gru64", lds_model_gru64, false},
};
} // namespace

const lds_model *lds_bench::findModel(const std::string &name) {
  for (const Entry &e : kModels)
    if (name == e.name)
      return e.get();
  return nullptr;
}

std::vector<std::string> lds_bench::exampleNames() {
  std::vector<std::string> names;
  for (const Entry &e : kModels)
    if (e.example)
      names.push_back(e.name);
  return names;
}

double lds_bench::handFlopsPerStep(const std::string &name) {
  if (name == "gru64") {
    // Mat-vecs 2 * 3D * (I + D); biases 6D; the r and z sums 2D; the n
    // gate's r * gh and sum 2D; h' = (1 - z) n + z h 4D.
    const double D = 64, I = 32;
    return 6 * D * (I + D) + 14 * D;
  }
  if (name == "elementwise") {
    // w h, + x, + b, a h, 1 - a, (1 - a) tanh(.), + : 7 per unit.
    return 7 * 64;
  }
  return 0;
}

lds_model lds_bench::withoutCostGuard(const lds_model *m) {
  lds_model copy = *m;
  copy.flops_per_step = 0;
  for (lds_solver_kernels &k : copy.solvers)
    k.flops_per_step = 0;
  return copy;
}

void lds_bench::makeProblem(const lds_model *m, int64_t T, int64_t batch,
                            Problem &p) {
  lds::run::DataOptions options;
  options.T = T;
  options.batch = batch;
  std::string error;
  if (!lds::run::prepareRunData(m, options, p.data, error)) {
    std::fprintf(stderr, "lds-bench: %s\n", error.c_str());
    std::exit(1);
  }
  p.model = m;
  p.typed = lds::run::convertRunData(p.data, lds_model_dtype(m));
  p.T = T;
  p.batch = batch;
  p.D = lds_model_state_dim(m);
  size_t bytes = lds_model_dtype(m) == LDS_DTYPE_F64 ? 8 : 4;
  p.states.assign(static_cast<size_t>(batch * T * p.D) * bytes, 0);
}

lds_status lds_bench::solve(const lds_model *m, Problem &p, lds_solver solver,
                            int threads, int64_t maxIters, lds_stats *stats) {
  lds_options opts = lds_default_options();
  opts.solver = solver;
  opts.device = LDS_DEVICE_CPU;
  opts.num_threads = threads;
  opts.max_iters = maxIters;
  return lds_solve(m, p.typed.paramPtrs.data(), p.typed.x0.data(),
                   p.typed.inputPtrs.data(), p.T, p.batch, p.states.data(),
                   &opts, stats);
}

double lds_bench::maxAbsDiff(const float *a, const float *b, size_t n) {
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    double d = std::fabs(static_cast<double>(a[i]) - b[i]);
    if (std::isnan(d))
      return NAN;
    if (d > worst)
      worst = d;
  }
  return worst;
}
