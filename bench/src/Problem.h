//===- Problem.h - the benchmark's models, data and solves ------*- C++ -*-===//
//
// The compiled models lds-bench links (every example and
// bench/models/gru64.lds), their data drawn exactly as lds-run draws it
// (tools/lds-run/RunData.cpp, seed 0), and a solve with the options a
// benchmark fixes.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_BENCH_PROBLEM_H
#define LDS_BENCH_PROBLEM_H

#include "RunData.h"
#include "lds/model_abi.h"
#include "lds/runtime.h"

#include <string>
#include <vector>

namespace lds_bench {

/// The model called `name` (its `model` name), or NULL.
const lds_model *findModel(const std::string &name);
/// The names of the linked examples (not gru64), in a fixed order.
std::vector<std::string> exampleNames();

/// Floating-point operations of one step of one sequence counted by hand
/// from the model's equations (adds and multiplies; tanh, sigmoid and exp
/// not counted); 0 for models without a count.
double handFlopsPerStep(const std::string &name);

/// A copy of `m` with the compiler's cost estimates zeroed: the runtime's
/// cost guard is off for it (docs/runtime.md), so a solver runs until it
/// converges or reaches max_iters.
lds_model withoutCostGuard(const lds_model *m);

struct Problem {
  const lds_model *model = nullptr;
  lds::run::RunData data;
  lds::run::TypedData typed;
  std::vector<char> states; // [batch][T][D] of the model's float type
  int64_t T = 0, batch = 0, D = 0;
};

/// Data of `m` for T steps and `batch` sequences (lds-run's random data,
/// seed 0). Exits with a message on failure.
void makeProblem(const lds_model *m, int64_t T, int64_t batch, Problem &p);

/// lds_solve of `p` (possibly with another descriptor `m` of the same
/// model) into p.states.
lds_status solve(const lds_model *m, Problem &p, lds_solver solver, int threads,
                 int64_t maxIters, lds_stats *stats);

/// max |a - b| over two float32 arrays of n values (NaN if any is NaN).
double maxAbsDiff(const float *a, const float *b, size_t n);

} // namespace lds_bench

#endif // LDS_BENCH_PROBLEM_H
