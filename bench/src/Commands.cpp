//===- Commands.cpp - lds-bench's subcommands -----------------------------===//

#include "Commands.h"
#include "hand.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <unistd.h>

using namespace lds_bench;

namespace {

std::string get(const Args &a, const std::string &k, const std::string &def) {
  auto it = a.find(k);
  return it == a.end() ? def : it->second;
}
int64_t getInt(const Args &a, const std::string &k, int64_t def) {
  return std::stoll(get(a, k, std::to_string(def)));
}

const lds_model *needModel(const Args &a) {
  std::string name = get(a, "model", "");
  const lds_model *m = findModel(name);
  if (!m) {
    std::fprintf(stderr, "lds-bench: unknown --model '%s'\n", name.c_str());
    std::exit(1);
  }
  return m;
}

lds_solver needSolver(const Args &a) {
  lds_solver s;
  std::string name = get(a, "solver", "sequential");
  if (!lds_solver_from_name(name.c_str(), &s)) {
    std::fprintf(stderr, "lds-bench: unknown --solver '%s'\n", name.c_str());
    std::exit(1);
  }
  return s;
}

/// A JSON number; null for NaN and infinities.
std::string num(double v) {
  if (!std::isfinite(v))
    return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

const float *f32(const std::vector<char> &v) {
  return reinterpret_cast<const float *>(v.data());
}

void writeRaw(const std::string &path, const void *data, size_t bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(static_cast<const char *>(data), static_cast<std::streamsize>(bytes));
  if (!f) {
    std::fprintf(stderr, "lds-bench: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

/// A "VmRSS:"-style field of /proc/self/status in KiB; -1 if absent.
long statusKiB(const char *field) {
  long value = -1;
  if (FILE *f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    size_t n = std::strlen(field);
    while (std::fgets(line, sizeof line, f))
      if (std::strncmp(line, field, n) == 0)
        value = std::strtol(line + n, nullptr, 10);
    std::fclose(f);
  }
  return value;
}

/// Resets the peak resident set (VmHWM) to the current one (Linux 4.0+).
bool resetPeakRss() {
  FILE *f = std::fopen("/proc/self/clear_refs", "w");
  if (!f)
    return false;
  bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

} // namespace

void lds_bench::runHandLoop(const std::string &name, const Problem &p,
                            float *out, int threads, int block) {
  const auto &P = p.typed.params;
  const float *x = f32(p.typed.inputs[0]);
  const float *x0 = f32(p.typed.x0);
  if (name == "gru64")
    gruHand(f32(P[0]), f32(P[1]), f32(P[2]), f32(P[3]), x0, x, p.T, p.batch,
            out, threads, block);
  else if (name == "elementwise")
    elementwiseHand(f32(P[0]), f32(P[1]), f32(P[2]), x0, x, p.T, p.batch, out,
                    threads);
  else {
    std::fprintf(stderr, "lds-bench: no hand loop for '%s'\n", name.c_str());
    std::exit(1);
  }
}

int lds_bench::cmdPeak(const Args &args) {
  int reps = static_cast<int>(getInt(args, "reps", 3));
  double secs = std::stod(get(args, "seconds", "0.5"));
  for (int r = 0; r < reps; ++r)
    std::printf("{\"kind\":\"peak\",\"flops_per_second\":%s}\n",
                num(measureFmaPeak(secs)).c_str());
  return 0;
}

int lds_bench::cmdVerify(const Args &args) {
  int64_t T = getInt(args, "T", 4000), batch = getInt(args, "batch", 8);
  std::string dump = get(args, "dump", "");
  // float32 rounding differences between two evaluation orders stay far
  // below this on these contracting models.
  double tol = std::stod(get(args, "tol", "1e-4"));
  int rc = 0;
  for (std::string name : {"gru64", "elementwise"}) {
    Problem p;
    makeProblem(findModel(name), T, batch, p);
    lds_stats stats{};
    if (solve(p.model, p, LDS_SOLVER_SEQUENTIAL, 1, 0, &stats) != LDS_OK) {
      std::fprintf(stderr, "lds-bench: %s\n", lds_last_error());
      return 1;
    }
    size_t n = static_cast<size_t>(T * batch * p.D);
    std::vector<float> hand(n), hand1(n);
    runHandLoop(name, p, hand.data(), 1, 4);
    runHandLoop(name, p, hand1.data(), 1, 1);
    double scale = 0;
    for (float v : hand)
      scale = std::max(scale, static_cast<double>(std::fabs(v)));
    double diff = maxAbsDiff(f32(p.states), hand.data(), n);
    if (!(diff <= tol)) {
      std::fprintf(stderr,
                   "lds-bench verify: %s: lds and the hand loop differ by %g "
                   "(tolerance %g)\n",
                   name.c_str(), diff, tol);
      rc = 1;
    }
    std::printf("{\"kind\":\"verify\",\"model\":\"%s\",\"T\":%lld,"
                "\"batch\":%lld,\"max_abs_diff_lds_vs_hand\":%s,"
                "\"max_abs_diff_hand_block4_vs_block1\":%s,"
                "\"max_abs_state\":%s}\n",
                name.c_str(), static_cast<long long>(T),
                static_cast<long long>(batch), num(diff).c_str(),
                num(maxAbsDiff(hand.data(), hand1.data(), n)).c_str(),
                num(scale).c_str());
    if (dump.empty())
      continue;
    std::string base = dump + "/" + name;
    for (int32_t i = 0; i < lds_model_num_params(p.model); ++i)
      writeRaw(base + ".param." + lds_model_param(p.model, i)->name + ".f32",
               p.typed.params[i].data(), p.typed.params[i].size());
    writeRaw(base + ".x0.f32", p.typed.x0.data(), p.typed.x0.size());
    writeRaw(base + ".input.f32", p.typed.inputs[0].data(),
             p.typed.inputs[0].size());
    writeRaw(base + ".hand.f32", hand.data(), n * sizeof(float));
    writeRaw(base + ".lds.f32", p.states.data(), p.states.size());
  }
  return rc;
}

int lds_bench::cmdConverge(const Args &args) {
  const lds_model *m = needModel(args);
  lds_solver solver = needSolver(args);
  int64_t T = getInt(args, "T", 1000), batch = getInt(args, "batch", 1);
  int threads = static_cast<int>(getInt(args, "threads", 0));
  int64_t maxIters = getInt(args, "max-iters", 0);
  int reps = static_cast<int>(getInt(args, "reps", 3));
  double budget = std::stod(get(args, "budget", "2"));
  bool guard = get(args, "guard", "on") == "on";
  lds_model unguarded = withoutCostGuard(m);
  const lds_model *run = guard ? m : &unguarded;

  Problem p;
  makeProblem(m, T, batch, p);
  if (solve(m, p, LDS_SOLVER_SEQUENTIAL, threads, 0, nullptr) != LDS_OK) {
    std::fprintf(stderr, "lds-bench: %s\n", lds_last_error());
    return 1;
  }
  std::vector<char> reference = p.states;

  std::vector<double> times;
  lds_stats stats{};
  lds_status status = LDS_OK;
  auto start = std::chrono::steady_clock::now();
  while (static_cast<int>(times.size()) < reps &&
         (times.empty() || seconds(start) < budget)) {
    auto t0 = std::chrono::steady_clock::now();
    status = solve(run, p, solver, threads, maxIters, &stats);
    times.push_back(seconds(t0));
    if (status != LDS_OK && status != LDS_ERR_NOT_CONVERGED) {
      std::fprintf(stderr, "lds-bench: %s\n", lds_last_error());
      return 1;
    }
  }
  std::sort(times.begin(), times.end());
  size_t n = static_cast<size_t>(T * batch * p.D);
  std::printf("{\"kind\":\"converge\",\"model\":\"%s\",\"solver\":\"%s\","
              "\"T\":%lld,\"batch\":%lld,\"threads\":%d,\"guard\":%s,"
              "\"max_iters\":%lld,\"status\":\"%s\",\"iterations\":%lld,"
              "\"converged\":%d,\"fallbacks\":%d,\"finished_with\":\"%s\","
              "\"max_residual\":%s,\"max_abs_diff_vs_sequential\":%s,"
              "\"seconds_median\":%s,\"seconds_min\":%s,\"seconds_max\":%s,"
              "\"reps\":%zu}\n",
              lds_model_name(m), lds_solver_name(solver),
              static_cast<long long>(T), static_cast<long long>(batch), threads,
              guard ? "true" : "false", static_cast<long long>(maxIters),
              lds_status_string(status),
              static_cast<long long>(stats.iterations), stats.converged,
              stats.fallbacks, lds_solver_name(stats.solver),
              num(stats.max_residual).c_str(),
              num(maxAbsDiff(f32(p.states), f32(reference), n)).c_str(),
              num(times[times.size() / 2]).c_str(), num(times.front()).c_str(),
              num(times.back()).c_str(), times.size());
  return 0;
}

int lds_bench::cmdMemory(const Args &args) {
  const lds_model *m = needModel(args);
  lds_solver solver = needSolver(args);
  int64_t T = getInt(args, "T", 100000), batch = getInt(args, "batch", 1);
  int threads = static_cast<int>(getInt(args, "threads", 0));
  Problem p;
  makeProblem(m, T, batch, p);
  // Everything the caller owns is allocated and touched; the peak is reset
  // to the current resident set, so it grows only by what lds_solve adds.
  bool reset = resetPeakRss();
  long before = statusKiB("VmRSS:");
  lds_stats stats{};
  lds_status status = solve(m, p, solver, threads, 0, &stats);
  long peak = statusKiB("VmHWM:");
  std::printf("{\"kind\":\"memory\",\"model\":\"%s\",\"solver\":\"%s\","
              "\"T\":%lld,\"batch\":%lld,\"threads\":%d,\"status\":\"%s\","
              "\"finished_with\":\"%s\",\"states_kib\":%zu,"
              "\"peak_reset\":%s,\"rss_before_kib\":%ld,\"hwm_after_kib\":%ld,"
              "\"solve_peak_kib\":%ld}\n",
              lds_model_name(m), lds_solver_name(solver),
              static_cast<long long>(T), static_cast<long long>(batch), threads,
              lds_status_string(status), lds_solver_name(stats.solver),
              p.states.size() / 1024, reset ? "true" : "false", before, peak,
              peak - before);
  return 0;
}
