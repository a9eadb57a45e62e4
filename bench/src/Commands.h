//===- Commands.h - lds-bench's subcommands ---------------------*- C++ -*-===//
//
// Each prints one JSON object a line on stdout (bench/bench.py reads them):
//   peak     the core's measured FMA throughput (bench/hand/peak.cpp)
//   verify   lds's sequential solve against the hand loops; --dump DIR
//            writes the data and both results as raw float32 for
//            bench/torch_bench.py
//   converge one solve of a model with a solver (cost guard on or off),
//            its iterations, time and distance from the sequential solve
//   memory   the peak resident memory one solve adds
//   time     the Google Benchmark timings (Timing.cpp); the remaining
//            arguments go to Google Benchmark
//
//===----------------------------------------------------------------------===//

#ifndef LDS_BENCH_COMMANDS_H
#define LDS_BENCH_COMMANDS_H

#include "Problem.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lds_bench {

using Args = std::map<std::string, std::string>;

int cmdPeak(const Args &args);
int cmdVerify(const Args &args);
int cmdConverge(const Args &args);
int cmdMemory(const Args &args);

/// The hand loop of `name` (gru64 or elementwise) on p's data into `out`.
void runHandLoop(const std::string &name, const Problem &p, float *out,
                 int threads, int block);

void registerTimings(int64_t seqT, int64_t iterT, int iterReps,
                     const std::vector<std::string> &iterModels);

} // namespace lds_bench

#endif // LDS_BENCH_COMMANDS_H
