//===- lds-bench.cpp - the benchmark driver of bench/run.sh ---------------===//
//
//   lds-bench peak|verify|converge|memory [--key value ...]
//   lds-bench time [--seq-T N] [--iter-T N] [--iter-reps R]
//                  [--iter-models a,b]
//                  [Google Benchmark flags]
//
// Commands.h describes the subcommands; bench/bench.py runs them.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <sstream>

using namespace lds_bench;

static int usage() {
  std::fprintf(stderr,
               "usage: lds-bench peak|verify|converge|memory "
               "[--key value ...]\n"
               "       lds-bench time [--seq-T N] [--iter-T N] "
               "[--iter-reps R] [--iter-models a,b] [benchmark flags]\n");
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return usage();
  std::string cmd = argv[1];
  Args args;
  std::vector<char *> rest = {argv[0]};
  for (int i = 2; i < argc; ++i) {
    if (std::strncmp(argv[i], "--benchmark", 11) == 0) {
      rest.push_back(argv[i]);
    } else if (std::strncmp(argv[i], "--", 2) == 0 && i + 1 < argc) {
      args[argv[i] + 2] = argv[i + 1];
      ++i;
    } else {
      return usage();
    }
  }
  if (cmd == "peak")
    return cmdPeak(args);
  if (cmd == "verify")
    return cmdVerify(args);
  if (cmd == "converge")
    return cmdConverge(args);
  if (cmd == "memory")
    return cmdMemory(args);
  if (cmd != "time")
    return usage();

  auto value = [&](const char *k, const char *def) {
    auto it = args.find(k);
    return it == args.end() ? std::string(def) : it->second;
  };
  std::vector<std::string> iterModels;
  std::stringstream list(value("iter-models", ""));
  for (std::string m; std::getline(list, m, ',');)
    if (!m.empty())
      iterModels.push_back(m);
  if (!args.count("iter-models"))
    iterModels = exampleNames(), iterModels.push_back("gru64");
  registerTimings(std::stoll(value("seq-T", "4000")),
                  std::stoll(value("iter-T", "4000")),
                  std::stoi(value("iter-reps", "3")), iterModels);
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
