//===- Timing.cpp - lds-bench's Google Benchmark timings ------------------===//
//
// seq/<model>/b<B>/t<K>    lds_solve, solver sequential, T = seqT
// hand/<model>/b<B>/t<K>   the hand-written loop (bench/hand), same data
// hand1/gru64/b<B>/t1      the hand GRU one sequence at a time (no blocking)
// pass/<model>/t<K>        one sequential pass, batch 1, T = iterT
// iter/<model>/<s>/t<K>    one iteration of solver s (max_iters = 1), batch 1,
//                          T = iterT
// Counters: steps (T * batch per call), flops (hand count per call, 0 if
// none), and lds_solve's iterations and fallbacks of the last call. Real
// time is the measure; the process's CPU time (all threads) is recorded too:
// for 1 thread it is less sensitive to other work on a shared machine.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Problem.h"
#include "hand.h"

#include <benchmark/benchmark.h>

#include <functional>
#include <map>
#include <memory>

using namespace lds_bench;

namespace {

Problem &cachedProblem(const std::string &name, int64_t T, int64_t batch) {
  static std::map<std::string, std::unique_ptr<Problem>> cache;
  std::string key =
      name + "/" + std::to_string(T) + "/" + std::to_string(batch);
  std::unique_ptr<Problem> &p = cache[key];
  if (!p) {
    p = std::make_unique<Problem>();
    makeProblem(findModel(name), T, batch, *p);
  }
  return *p;
}

void setCounters(benchmark::State &st, const Problem &p,
                 const std::string &name, const lds_stats *stats) {
  st.counters["steps"] = static_cast<double>(p.T * p.batch);
  st.counters["flops"] = handFlopsPerStep(name) * p.T * p.batch;
  if (stats) {
    st.counters["lds_iterations"] = static_cast<double>(stats->iterations);
    st.counters["fallbacks"] = stats->fallbacks;
  }
}

void runSolve(benchmark::State &st, const std::string &name, int64_t T,
              int64_t batch, lds_solver solver, int threads, int64_t maxIters) {
  Problem &p = cachedProblem(name, T, batch);
  lds_stats stats{};
  solve(p.model, p, solver, threads, maxIters, &stats); // warm-up, untimed
  for (auto _ : st) {
    lds_status s = solve(p.model, p, solver, threads, maxIters, &stats);
    if (s != LDS_OK && s != LDS_ERR_NOT_CONVERGED) {
      st.SkipWithError(lds_last_error());
      return;
    }
    benchmark::ClobberMemory();
  }
  setCounters(st, p, name, &stats);
}

void runHand(benchmark::State &st, const std::string &name, int64_t T,
             int64_t batch, int threads, int block) {
  Problem &p = cachedProblem(name, T, batch);
  std::vector<float> out(static_cast<size_t>(T * batch * p.D));
  runHandLoop(name, p, out.data(), threads, block); // warm-up, untimed
  for (auto _ : st) {
    runHandLoop(name, p, out.data(), threads, block);
    benchmark::ClobberMemory();
  }
  setCounters(st, p, name, nullptr);
}

benchmark::internal::Benchmark *
add(const std::string &name, std::function<void(benchmark::State &)> fn) {
  return benchmark::RegisterBenchmark(name.c_str(), fn)
      ->UseRealTime()
      ->MeasureProcessCPUTime()
      ->Unit(benchmark::kMillisecond);
}

} // namespace

void lds_bench::registerTimings(int64_t seqT, int64_t iterT, int iterReps,
                                const std::vector<std::string> &iterModels) {
  const lds_solver iterative[] = {LDS_SOLVER_JACOBI, LDS_SOLVER_PICARD,
                                  LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_NEWTON};
  for (std::string m : {"gru64", "elementwise"})
    for (int64_t b : {8, 16})
      for (int k : {1, 2}) {
        std::string tail =
            m + "/b" + std::to_string(b) + "/t" + std::to_string(k);
        add("seq/" + tail, [=](benchmark::State &st) {
          runSolve(st, m, seqT, b, LDS_SOLVER_SEQUENTIAL, k, 0);
        });
        add("hand/" + tail,
            [=](benchmark::State &st) { runHand(st, m, seqT, b, k, 4); });
        if (m == "gru64" && k == 1)
          add("hand1/" + tail,
              [=](benchmark::State &st) { runHand(st, m, seqT, b, k, 1); });
      }
  for (const std::string &m : iterModels)
    for (int k : {1, 2}) {
      std::string tk = "/t" + std::to_string(k);
      add("pass/" + m + tk, [=](benchmark::State &st) {
        runSolve(st, m, iterT, 1, LDS_SOLVER_SEQUENTIAL, k, 0);
      })->Repetitions(iterReps);
      for (lds_solver s : iterative) {
        if (!lds_model_has_solver(findModel(m), s))
          continue;
        add("iter/" + m + "/" + lds_solver_name(s) + tk,
            [=](benchmark::State &st) { runSolve(st, m, iterT, 1, s, k, 1); })
            ->Repetitions(iterReps);
      }
    }
}
