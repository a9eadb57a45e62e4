//===- GpuBenchmark.cpp - lds_solve on a GPU: time, iterations, roofline --===//
//
// The GPU benchmark of issue #5 (docs/BENCHMARKS.md, "GPU"), statically
// linked into gpu-bundle/. Models: GRU (D = 8 `gru`, 64 `gru64`), the
// elementwise model (D = 64), Langevin (D = 32, 64, 128, 256), S5 and the
// selective state-space layer (`ssm`, D = 64; last in the sweep), all f32,
// batch 16. Two kinds of measurement:
//
//   solve      lds_solve with LDS_DEVICE_CUDA from host data (the inputs
//              copied in, the states copied back, all inside the time):
//              the wall time of the call, best of 3 after a warm-up (one
//              run when a run takes seconds), and what the runtime reports
//              (solver and device that ran, iterations, fallbacks).
//   iteration  one fixed-point iteration over the whole window (every
//              sequence from row 0), as the runtime runs it: the GPU
//              executor's iterate() (one iterate launch, or reduce, scan
//              and sweep launches; the fronts read back, the residual of
//              the rows finalised), timed on its own after the executor's
//              setup; the median of a few. The roofline target's
//              measurement. Each solver with an iterate kernel is timed
//              twice: part "P" with it, part "P-3launch" with
//              LDS_GPU_ITERATE=0 (the three launches); a solver with
//              channel kernels (a thread per state channel: the
//              elementwise model) once more, part "P-rows" with
//              LDS_GPU_CHANNELS=0 (the row kernels).
//
// Every row gives the bytes and flops of a stated model (below, and in the
// CSV's header comment), the achieved GB/s and GFLOP/s they imply, the
// peak device memory the runtime held (its allocation counter, reset
// before each run), and for solves the speedup over lds's fused sequential
// GPU kernel at the same size. The fraction of the device's roofline is
// left to bench/gpu_report.py, which reads the measured peaks
// (lds-gpu-roofline).
//
// Plan (`lds-gpu-bench` with no command), targets first:
//   1. GRU D = 8, T = 100 000: every solver, sequential and AUTO;
//   2. one iteration of each solver at D = 64 (elementwise, gru64),
//      T = 100 000 and 1 000 000;
//   3. Langevin D = 256, T = 30 000: one Newton iteration (its peak
//      memory), then solves: Newton, quasi-Newton, Picard, sequential,
//      AUTO;
//   4. the sweep: T in LDS_BENCH_LENGTHS (ascending), each model, every
//      solver its GPU kernels have, sequential and AUTO.
// Commands for single figures:
//   lds-gpu-bench solve MODEL SOLVER T [--batch B] [--max-iters N]
//   lds-gpu-bench iteration MODEL SOLVER T [--batch B] [--reps R]
//   lds-gpu-bench models         the models, their GPU solvers and flops
// Environment:
//   LDS_BENCH_LENGTHS=1000,10000,100000,1000000   the sweep's lengths
//   LDS_BENCH_MODELS=gru,s5                       the sweep's models
//   LDS_BENCH_BUDGET=15    seconds one run may take: a run predicted (from
//                          the same model and solver at a shorter T) to
//                          take longer is skipped, and says so
//   LDS_BENCH_DEADLINE=0   seconds after which no run starts (0: none)
//   LDS_BENCH_SHRINK=1     divides the targets' lengths (emulator tests)
//   LDS_BENCH_PARTS=targets,sweep   which parts of the plan run
//
// Exits 2 (and says why) when no GPU is usable; 0 otherwise, whatever
// single runs returned (their status is in their row).
//
//===----------------------------------------------------------------------===//

#include "CudaExecutor.h"
#include "GpuBackend.h"
#include "lds/runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern "C" {
const lds_model *lds_model_gru(void);
const lds_model *lds_model_gru64(void);
const lds_model *lds_model_elementwise(void);
const lds_model *lds_model_ssm(void);
const lds_model *lds_model_langevin(void);
const lds_model *lds_model_langevin64(void);
const lds_model *lds_model_langevin128(void);
const lds_model *lds_model_langevin256(void);
const lds_model *lds_model_s5(void);
}

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Entry {
  const char *name;
  const lds_model *(*get)(void);
};
const Entry kModels[] = {{"gru", lds_model_gru},
                         {"gru64", lds_model_gru64},
                         {"elementwise", lds_model_elementwise},
                         {"langevin", lds_model_langevin},
                         {"langevin64", lds_model_langevin64},
                         {"langevin128", lds_model_langevin128},
                         {"langevin256", lds_model_langevin256},
                         {"s5", lds_model_s5},
                         {"ssm", lds_model_ssm}};

const lds_model *findModel(const std::string &name) {
  for (const Entry &e : kModels)
    if (name == e.name)
      return e.get();
  return nullptr;
}

std::vector<std::string> splitList(const std::string &s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty())
      out.push_back(item);
  return out;
}

std::string envOr(const char *name, const char *dflt) {
  const char *v = std::getenv(name);
  return v && *v ? v : dflt;
}

double envNumber(const char *name, double dflt) {
  const char *v = std::getenv(name);
  return v && *v ? std::atof(v) : dflt;
}

//===-- Data
//---------------------------------------------------------------===//

/// Counter-based random numbers (splitmix64 of seed and index), so that
/// large inputs are drawn on every core and the same at any thread count.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
double uniform01(uint64_t seed, uint64_t i) {
  return (mix(seed * 0x632be59bd9b4e019ull + i) >> 11) *
         (1.0 / 9007199254740992.0);
}
double normal(uint64_t seed, uint64_t i) { // Box-Muller
  double u = uniform01(seed, 2 * i), v = uniform01(seed, 2 * i + 1);
  return std::sqrt(-2 * std::log(1 - u)) * std::cos(6.283185307179586 * v);
}

/// Calls f(begin, end) over [0, n) on the machine's cores.
template <class F> void parallelFor(int64_t n, F f) {
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, std::min<int>(threads, 64));
  if (n < (int64_t(1) << 20) || threads == 1) {
    f(int64_t(0), n);
    return;
  }
  std::vector<std::thread> pool;
  int64_t per = (n + threads - 1) / threads;
  for (int k = 0; k < threads; ++k) {
    int64_t b = k * per, e = std::min(n, b + per);
    if (b < e)
      pool.emplace_back([=] { f(b, e); });
  }
  for (std::thread &t : pool)
    t.join();
}

bool startsWith(const char *s, const char *prefix) {
  return std::strncmp(s, prefix, std::strlen(prefix)) == 0;
}

/// Random data as the reference experiments draw it (DESIGN.md section 2)
/// and as bench/jax_fixed_point.py does: GRU weights and biases uniform in
/// +-1/sqrt(D), inputs N(0, 1), x0 = 0; Langevin mu1 = 1, mu2 = 0,
/// L_k = Z^T Z with Z ~ N(0, 1) of shape (D+1) x D, noise N(0, 1), x0 = 0;
/// S5 the 120 permutation matrices, words uniform, x0 = (1, ..., 5); the
/// elementwise model a ~ U(0, 1), w ~ U(-1, 1), b ~ U(-0.5, 0.5), drive
/// N(0, 1), x0 = 0. f32 only.
struct Data {
  std::vector<std::vector<float>> params;
  std::vector<std::vector<char>> inputs;
  std::vector<float> x0;
  std::vector<const void *> paramPtrs, inputPtrs;
  int64_t inputBytesPerStep = 0;

  Data(const lds_model *m, int64_t T, int64_t batch) {
    const int64_t d = m->state_dim;
    uint64_t seed = 1;
    for (int i = 0; i < m->num_params; ++i, ++seed) {
      const lds_tensor_info &t = m->params[i];
      std::vector<float> v(t.size);
      std::string name = t.name ? t.name : "";
      if (t.rank == 3 && t.shape[0] == 120 && t.shape[1] == 5) {
        std::vector<int> perm = {0, 1, 2, 3, 4};
        v.clear();
        do
          for (int r = 0; r < 5; ++r)
            for (int c = 0; c < 5; ++c)
              v.push_back(perm[r] == c ? 1.f : 0.f);
        while (std::next_permutation(perm.begin(), perm.end()));
      } else if (name == "mu1" || name == "mu2") {
        std::fill(v.begin(), v.end(), name == "mu1" ? 1.f : 0.f);
      } else if ((name == "L1" || name == "L2") && t.rank == 2) {
        int64_t n = t.shape[0]; // Z^T Z, Z of (n + 1) x n
        std::vector<double> z((n + 1) * n);
        for (int64_t k = 0; k < (n + 1) * n; ++k)
          z[k] = normal(seed, k);
        for (int64_t r = 0; r < n; ++r)
          for (int64_t c = 0; c < n; ++c) {
            double s = 0;
            for (int64_t k = 0; k <= n; ++k)
              s += z[k * n + r] * z[k * n + c];
            v[r * n + c] = float(s);
          }
      } else if (startsWith(m->name, "elementwise") && name == "a") {
        for (int64_t k = 0; k < t.size; ++k)
          v[k] = float(uniform01(seed, k));
      } else if (startsWith(m->name, "elementwise")) {
        double scale = name == "b" ? 0.5 : 1.0;
        for (int64_t k = 0; k < t.size; ++k)
          v[k] = float(scale * (2 * uniform01(seed, k) - 1));
      } else {
        double scale = 1 / std::sqrt(double(d));
        for (int64_t k = 0; k < t.size; ++k)
          v[k] = float(scale * (2 * uniform01(seed, k) - 1));
      }
      params.push_back(std::move(v));
    }
    for (int i = 0; i < m->num_inputs; ++i, ++seed) {
      const lds_tensor_info &t = m->inputs[i];
      int64_t n = batch * T * t.size;
      inputs.emplace_back(n * 4);
      inputBytesPerStep += t.size * 4;
      char *base = inputs.back().data();
      if (t.dtype == LDS_DTYPE_I32) {
        int32_t *w = reinterpret_cast<int32_t *>(base);
        int64_t range = std::max<int64_t>(1, t.index_range);
        parallelFor(n, [=](int64_t b, int64_t e) {
          for (int64_t k = b; k < e; ++k)
            w[k] = int32_t(mix(seed * 0x632be59bd9b4e019ull + k) % range);
        });
      } else {
        float *u = reinterpret_cast<float *>(base);
        parallelFor(n, [=](int64_t b, int64_t e) {
          for (int64_t k = b; k < e; ++k)
            u[k] = float(normal(seed, k));
        });
      }
    }
    x0.assign(batch * d, 0.f);
    if (startsWith(m->name, "s5"))
      for (int64_t k = 0; k < batch * d; ++k)
        x0[k] = float(k % d + 1);
    for (auto &v : params)
      paramPtrs.push_back(v.data());
    for (auto &v : inputs)
      inputPtrs.push_back(v.data());
  }
};

//===-- Models of work
//-----------------------------------------------------===//
//
// FLOP model (the compiler's own estimates in the model descriptor,
// model_abi.h: adds and multiplies, a transcendental function = 10 flops,
// a reverse-mode gradient 2x the computation it differentiates):
//   sequential pass:  batch * T * flops_per_step                 (f)
//   one iteration of solver s over the whole window:
//                     batch * T * solvers[s].flops_per_step     (element +
//                     combine; lds's kernels evaluate the element twice, in
//                     reduce and in sweep, so the device does more)
// Byte model (compulsory DRAM traffic, es = 4 bytes for f32, I = the
// inputs' bytes per step):
//   sequential pass:  batch * T * (D * es + I)          (read u_t, write x_t)
//   one iteration:    batch * T * ((2 * D + 1) * es + I)   (read the current
//                     iterate's row and u_t, write the next iterate's row and
//                     its stopping-test value)
// A solve's totals: one sequential pass when it ran sequentially; else
// iterations x one iteration (+ one pass if a fallback finished it
// sequentially): an upper bound when it iterated more than once, since the
// sliding window shrinks as rows are finalised (the `bound` column is 1 for
// those rows).

struct Work {
  double flops = 0, bytes = 0;
  bool bound = false;
};

Work passWork(const lds_model *m, int64_t T, int64_t batch, double inBytes) {
  double es = m->dtype == LDS_DTYPE_F64 ? 8 : 4;
  double rows = double(batch) * T;
  return {rows * m->flops_per_step, rows * (m->state_dim * es + inBytes),
          false};
}

Work iterationWork(const lds_model *m, lds_solver s, int64_t T, int64_t batch,
                   double inBytes) {
  double es = m->dtype == LDS_DTYPE_F64 ? 8 : 4;
  double rows = double(batch) * T;
  return {rows * m->solvers[s].flops_per_step,
          rows * ((2 * m->state_dim + 1) * es + inBytes), false};
}

Work solveWork(const lds_model *m, lds_solver requested, const lds_stats &st,
               int64_t T, int64_t batch, double inBytes) {
  if (st.solver == LDS_SOLVER_SEQUENTIAL && st.iterations <= 1 &&
      st.fallbacks == 0)
    return passWork(m, T, batch, inBytes);
  lds_solver s = requested != LDS_SOLVER_AUTO ? requested
                 : st.solver != LDS_SOLVER_SEQUENTIAL
                     ? st.solver
                     : static_cast<lds_solver>(m->default_solver);
  if (s < LDS_SOLVER_JACOBI || s > LDS_SOLVER_NEWTON)
    return passWork(m, T, batch, inBytes);
  Work one = iterationWork(m, s, T, batch, inBytes);
  double k = double(std::max<int64_t>(1, st.iterations));
  Work w{k * one.flops, k * one.bytes, k > 1 || st.fallbacks > 0};
  if (st.fallbacks > 0 || st.solver == LDS_SOLVER_SEQUENTIAL) {
    Work pass = passWork(m, T, batch, inBytes);
    w.flops += pass.flops;
    w.bytes += pass.bytes;
  }
  return w;
}

//===-- Rows
//---------------------------------------------------------------===//

struct Row {
  std::string kind = "solve", part = "single", model;
  int64_t d = 0, T = 0, batch = 0;
  std::string solver, ran, device, status;
  int64_t iterations = 0;
  int fallbacks = 0, converged = 0;
  double seconds = NAN, median = NAN;
  int reps = 0;
  Work work;
  int64_t peakBytes = 0;
  double speedup = NAN;
  std::string note;
};

std::string csvField(const std::string &s) {
  if (s.find_first_of(",\"\n") == std::string::npos)
    return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"')
      out += '"';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

std::string number(double v, const char *format = "%.6g") {
  if (!std::isfinite(v))
    return "";
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, v);
  return buf;
}

void printHeader() {
  std::printf("# backend: %s\n",
              lds::gpuEmulationRequested()
                  ? "emulator (LDS_GPU_EMULATE=1: not GPU measurements)"
                  : "cuda");
  std::printf(
      "# lds-gpu-bench (test/gpu/bench/GpuBenchmark.cpp). f32, host data.\n"
      "# seconds: best wall time of lds_solve (solve) or median of "
      "iterate() (iteration); seconds_median: the median of the reps\n"
      "# FLOP model: sequential pass = batch*T*flops_per_step; one "
      "iteration of solver s = batch*T*solvers[s].flops_per_step "
      "(the compiler's estimates in the model descriptor)\n"
      "# byte model: sequential pass = batch*T*(D*4 + I); one iteration = "
      "batch*T*((2*D + 1)*4 + I); I = input bytes per step\n"
      "# a solve that iterated: iterations x one iteration (+ one pass "
      "after a fallback); bound = 1: an upper bound (more than one "
      "iteration: the sliding window shrinks)\n"
      "# peak_device_bytes: the runtime's device allocations (its "
      "counter, reset before each run)\n"
      "kind,part,model,D,T,batch,solver,ran,device,status,iterations,"
      "fallbacks,converged,seconds,seconds_median,reps,flops,bytes,bound,"
      "GFLOPps,GBps,peak_device_bytes,speedup_vs_sequential,note\n");
  std::fflush(stdout);
}

void printRow(const Row &r) {
  double gflops = r.work.flops / r.seconds / 1e9;
  double gbps = r.work.bytes / r.seconds / 1e9;
  std::printf(
      "%s,%s,%s,%lld,%lld,%lld,%s,%s,%s,%s,%lld,%d,%d,%s,%s,%d,%s,%s,%d,%s,"
      "%s,%lld,%s,%s\n",
      r.kind.c_str(), r.part.c_str(), r.model.c_str(), (long long)r.d,
      (long long)r.T, (long long)r.batch, r.solver.c_str(), r.ran.c_str(),
      r.device.c_str(), csvField(r.status).c_str(), (long long)r.iterations,
      r.fallbacks, r.converged, number(r.seconds, "%.6e").c_str(),
      number(r.median, "%.6e").c_str(), r.reps,
      number(r.work.flops, "%.6e").c_str(),
      number(r.work.bytes, "%.6e").c_str(), r.work.bound ? 1 : 0,
      number(gflops, "%.6g").c_str(), number(gbps, "%.6g").c_str(),
      (long long)r.peakBytes, number(r.speedup, "%.6g").c_str(),
      csvField(r.note).c_str());
  std::fflush(stdout);
}

Row baseRow(const char *kind, const std::string &part, const std::string &name,
            const lds_model *m, int64_t T, int64_t batch, lds_solver s) {
  Row r;
  r.kind = kind;
  r.part = part;
  r.model = name;
  r.d = m->state_dim;
  r.T = T;
  r.batch = batch;
  r.solver = lds_solver_name(s);
  return r;
}

double median(std::vector<double> v) {
  if (v.empty())
    return NAN;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Set when a run found no usable GPU (the message is printed once).
bool noGpu = false;

//===-- Measurements
//-------------------------------------------------------===//

/// How many times to run: a warm-up and 3 timed runs for runs under 2 s,
/// else one timed run (a module is loaded by then, by a shorter T).
struct Plan {
  bool warmup = true;
  int reps = 3;
};
Plan planFor(double predicted) {
  if (std::isfinite(predicted) && predicted >= 2)
    return {false, 1};
  return {};
}

Row measureSolve(const std::string &part, const std::string &name,
                 const lds_model *m, const Data &data, int64_t T, int64_t batch,
                 lds_solver s, std::vector<float> &states, Plan plan,
                 int64_t maxIters = 0) {
  Row r = baseRow("solve", part, name, m, T, batch, s);
  lds_options o = lds_default_options();
  o.solver = s;
  o.device = LDS_DEVICE_CUDA;
  o.max_iters = maxIters;
  std::vector<double> times;
  int runs = (plan.warmup ? 1 : 0) + plan.reps;
  for (int k = 0; k < runs; ++k) {
    lds::resetGpuMemoryPeak();
    lds_stats st{};
    Clock::time_point t0 = Clock::now();
    lds_status status =
        lds_solve(m, data.paramPtrs.data(), data.x0.data(),
                  data.inputPtrs.data(), T, batch, states.data(), &o, &st);
    double wall = secondsSince(t0);
    r.peakBytes = std::max(r.peakBytes, lds::gpuMemoryUsage().peak -
                                            lds::gpuMemoryUsage().current);
    r.status = lds_status_string(status);
    if (status != LDS_OK && status != LDS_ERR_NOT_CONVERGED) {
      r.note = lds_last_error();
      if (status == LDS_ERR_NO_DEVICE && !noGpu) {
        noGpu = true;
        std::fprintf(stderr, "lds-gpu-bench: %s\n", lds_last_error());
      }
      return r;
    }
    r.ran = lds_solver_name(st.solver);
    r.device = lds_device_name(st.device);
    r.iterations = st.iterations;
    r.fallbacks = st.fallbacks;
    r.converged = st.converged;
    r.work = solveWork(m, s, st, T, batch, data.inputBytesPerStep);
    bool timed = !plan.warmup || k > 0;
    if (timed)
      times.push_back(wall);
    // A warm-up that alone takes long enough is the measurement.
    if (!timed && wall >= 2 && k + 1 < runs) {
      times.push_back(wall);
      r.note = "one run (the warm-up took " + number(wall, "%.3g") + " s)";
      break;
    }
  }
  r.reps = static_cast<int>(times.size());
  r.seconds = *std::min_element(times.begin(), times.end());
  r.median = median(times);
  return r;
}

/// One iteration of solver `s` over the whole window of every sequence, on
/// the runtime's own GPU executor (CudaExecutor.h): iterate() from front 0,
/// `reps` times after one untimed iteration.
Row measureIteration(const std::string &part, const std::string &name,
                     const lds_model *m, const Data &data, int64_t T,
                     int64_t batch, lds_solver s, std::vector<float> &states,
                     int reps) {
  Row r = baseRow("iteration", part, name, m, T, batch, s);
  r.ran = r.solver;
  r.device = "cuda";
  r.iterations = 1;
  auto failed = [&](lds_status st) {
    r.status = lds_status_string(st);
    r.note = lds_last_error();
    if (st == LDS_ERR_NO_DEVICE && !noGpu) {
      noGpu = true;
      std::fprintf(stderr, "lds-gpu-bench: %s\n", lds_last_error());
    }
    return r;
  };
  if (!m->gpu || !m->gpu->has_solver[s]) {
    r.status = lds_status_string(LDS_ERR_INVALID_ARGUMENT);
    r.note = std::string("no GPU kernels for ") + lds_solver_name(s);
    return r;
  }
  lds::Problem p;
  p.model = m;
  p.params = data.paramPtrs.data();
  p.x0 = data.x0.data();
  p.inputs = data.inputPtrs.data();
  p.T = T;
  p.batch = batch;
  p.states = states.data();
  bool f64 = m->dtype == LDS_DTYPE_F64;
  p.atol = f64 ? LDS_DEFAULT_ATOL_F64 : LDS_DEFAULT_ATOL_F32;
  p.rtol = f64 ? LDS_DEFAULT_RTOL_F64 : LDS_DEFAULT_RTOL_F32;
  p.threads = 0;
  lds::resetGpuMemoryPeak();
  int64_t before = lds::gpuMemoryUsage().current;
  lds_status st = LDS_OK;
  lds::GpuBackend *dev = lds::createGpuBackend(m, nullptr, &st);
  if (!dev)
    return failed(st);
  std::unique_ptr<lds::GpuExecutor> ex(lds::createCudaExecutor(p, dev, &st));
  if (!ex)
    return failed(st);
  if ((st = ex->prepareIterative(nullptr)) != LDS_OK)
    return failed(st);
  std::vector<lds::SequenceWork> work(batch);
  for (int64_t b = 0; b < batch; ++b)
    work[b] = {b, 0, s};
  std::vector<lds::IterationOutcome> out(batch);
  std::vector<double> times;
  for (int k = 0; k <= reps; ++k) {
    Clock::time_point t0 = Clock::now();
    if ((st = ex->iterate(work.data(), batch, out.data())) != LDS_OK)
      return failed(st);
    if (k > 0)
      times.push_back(secondsSince(t0));
  }
  r.peakBytes = lds::gpuMemoryUsage().peak - before;
  int64_t firstFront = T;
  for (const lds::IterationOutcome &o : out)
    firstFront = std::min(firstFront, o.newFront);
  ex.reset();
  r.status = lds_status_string(LDS_OK);
  r.converged = firstFront >= T;
  r.reps = static_cast<int>(times.size());
  r.seconds = median(times);
  r.median = r.seconds;
  r.work = iterationWork(m, s, T, batch, data.inputBytesPerStep);
  auto envOff = [](const char *name) {
    const char *v = std::getenv(name);
    return v && std::strcmp(v, "0") == 0;
  };
  bool channels = m->gpu->channels[s] == LDS_GPU_CHANNELS_ONLY ||
                  (m->gpu->channels[s] > 0 && !envOff("LDS_GPU_CHANNELS"));
  bool onePass = (channels ? m->gpu->channel_iterate_block[s]
                           : m->gpu->iterate_block[s]) > 0 &&
                 !envOff("LDS_GPU_ITERATE");
  r.note =
      "min " + number(*std::min_element(times.begin(), times.end())) +
      " s; rows finalised by one iteration >= " + std::to_string(firstFront) +
      (channels ? "; channel kernels" : "; row kernels") +
      (onePass ? ": one iterate launch" : ": reduce + scan + sweep launches");
  return r;
}

//===-- The plan
//-----------------------------------------------------------===//

struct Bench {
  double budget = envNumber("LDS_BENCH_BUDGET", 15);
  double deadline = envNumber("LDS_BENCH_DEADLINE", 0);
  int64_t batch = static_cast<int64_t>(envNumber("LDS_BENCH_BATCH", 16));
  Clock::time_point start = Clock::now();
  /// (model, kind, solver) -> (T, seconds of one run) of the last run.
  std::map<std::string, std::pair<int64_t, double>> last;
  /// (model, T) -> seconds of the sequential solve.
  std::map<std::string, double> sequential;
  std::map<std::string, bool> done; // rows already measured

  bool pastDeadline() const {
    return deadline > 0 && secondsSince(start) > deadline;
  }
  static std::string key(const std::string &model, const char *kind,
                         lds_solver s) {
    return model + "/" + kind + "/" + lds_solver_name(s);
  }
  double predict(const std::string &k, int64_t T) const {
    auto it = last.find(k);
    if (it == last.end())
      return NAN;
    return it->second.second * double(T) / double(it->second.first);
  }
  /// A skipped row, saying why; nullptr if the run may go ahead.
  bool skip(Row &r, const std::string &k) {
    if (pastDeadline()) {
      r.status = "skipped";
      r.note =
          "past the deadline (LDS_BENCH_DEADLINE=" + number(deadline, "%g") +
          " s)";
      return true;
    }
    double p = predict(k, r.T);
    if (std::isfinite(p) && p > budget) {
      r.status = "skipped";
      r.note = "predicted " + number(p, "%.3g") +
               " s for one run (from T = " + std::to_string(last[k].first) +
               ") > LDS_BENCH_BUDGET = " + number(budget, "%g") + " s";
      return true;
    }
    return false;
  }

  void solve(const std::string &part, const std::string &name,
             const lds_model *m, const Data &data, int64_t T, lds_solver s,
             std::vector<float> &states) {
    std::string k = key(name, "solve", s);
    std::string doneKey = k + "/" + std::to_string(T);
    if (done[doneKey])
      return;
    Row r = baseRow("solve", part, name, m, T, batch, s);
    if (!skip(r, k)) {
      r = measureSolve(part, name, m, data, T, batch, s, states,
                       planFor(predict(k, T)));
      if (std::isfinite(r.seconds))
        last[k] = {T, r.seconds};
      std::string seqKey = name + "/" + std::to_string(T);
      if (s == LDS_SOLVER_SEQUENTIAL && std::isfinite(r.seconds))
        sequential[seqKey] = r.seconds;
      auto it = sequential.find(seqKey);
      if (it != sequential.end())
        r.speedup = it->second / r.seconds;
      done[doneKey] = true;
    }
    printRow(r);
  }

  /// One iteration's row; `reps` runs (0: 3 or 7, by the prediction).
  /// Returns the seconds of one run, or NaN.
  double iteration(const std::string &part, const std::string &name,
                   const lds_model *m, const Data &data, int64_t T,
                   lds_solver s, std::vector<float> &states, int reps = 0) {
    std::string k = key(name, "iteration", s) + part;
    Row r = baseRow("iteration", part, name, m, T, batch, s);
    if (!skip(r, k)) {
      double p = predict(k, T);
      if (reps <= 0)
        reps = std::isfinite(p) && p > 0.5 ? 3 : 7;
      r = measureIteration(part, name, m, data, T, batch, s, states, reps);
      if (std::isfinite(r.seconds))
        last[k] = {T, r.seconds * (reps + 1)};
    }
    printRow(r);
    return r.status == lds_status_string(LDS_OK) ? r.seconds : NAN;
  }

  /// Allocates the data for (m, T) only if some run will use it.
  bool anyRuns(const std::string &name, const char *kind,
               const std::vector<lds_solver> &solvers, int64_t T) {
    if (pastDeadline())
      return false;
    for (lds_solver s : solvers) {
      double p = predict(key(name, kind, s), T);
      if (!std::isfinite(p) || p <= budget)
        return true;
    }
    return false;
  }
};

std::vector<lds_solver> gpuSolvers(const lds_model *m) {
  std::vector<lds_solver> out;
  for (int s = LDS_SOLVER_JACOBI; s <= LDS_SOLVER_NEWTON; ++s)
    if (m->gpu && m->gpu->has_solver[s])
      out.push_back(static_cast<lds_solver>(s));
  return out;
}

/// The rows that would have run, marked skipped (data not allocated).
void printSkipped(Bench &b, const std::string &part, const std::string &name,
                  const lds_model *m, int64_t T, const char *kind,
                  const std::vector<lds_solver> &solvers) {
  for (lds_solver s : solvers) {
    Row r = baseRow(kind, part, name, m, T, b.batch, s);
    if (!b.skip(r, Bench::key(name, kind, s))) {
      r.status = "skipped";
      r.note = "no run of this (model, T) was within the budget";
    }
    printRow(r);
  }
}

void runSolves(Bench &b, const std::string &part, const std::string &name,
               int64_t T, std::vector<lds_solver> solvers) {
  const lds_model *m = findModel(name);
  // Rows the targets measured already are not measured (nor printed) again.
  solvers.erase(std::remove_if(solvers.begin(), solvers.end(),
                               [&](lds_solver s) {
                                 return b.done[Bench::key(name, "solve", s) +
                                               "/" + std::to_string(T)];
                               }),
                solvers.end());
  if (solvers.empty())
    return;
  if (!b.anyRuns(name, "solve", solvers, T))
    return printSkipped(b, part, name, m, T, "solve", solvers);
  Data data(m, T, b.batch);
  std::vector<float> states(b.batch * T * m->state_dim);
  for (lds_solver s : solvers) {
    b.solve(part, name, m, data, T, s, states);
    if (noGpu)
      return;
  }
}

void runIterations(Bench &b, const std::string &part, const std::string &name,
                   int64_t T) {
  const lds_model *m = findModel(name);
  std::vector<lds_solver> solvers = gpuSolvers(m);
  if (!b.anyRuns(name, "iteration", solvers, T))
    return printSkipped(b, part, name, m, T, "iteration", solvers);
  Data data(m, T, b.batch);
  std::vector<float> states(b.batch * T * m->state_dim);
  for (lds_solver s : solvers) {
    b.iteration(part, name, m, data, T, s, states);
    if (noGpu)
      return;
    // The row kernels where the channel kernels ran (part "<part>-rows");
    // the same kernels in three launches (part "<part>-3launch").
    bool channels = m->gpu->channels[s] > 0;
    if (channels && m->gpu->channels[s] != LDS_GPU_CHANNELS_ONLY) {
      setenv("LDS_GPU_CHANNELS", "0", 1);
      b.iteration(part + "-rows", name, m, data, T, s, states);
      unsetenv("LDS_GPU_CHANNELS");
    }
    if ((channels ? m->gpu->channel_iterate_block[s]
                  : m->gpu->iterate_block[s]) > 0) {
      setenv("LDS_GPU_ITERATE", "0", 1);
      b.iteration(part + "-3launch", name, m, data, T, s, states);
      unsetenv("LDS_GPU_ITERATE");
    }
  }
}

std::vector<lds_solver> sweepSolvers(const lds_model *m) {
  std::vector<lds_solver> out = {LDS_SOLVER_SEQUENTIAL};
  for (lds_solver s : gpuSolvers(m))
    out.push_back(s);
  out.push_back(LDS_SOLVER_AUTO);
  return out;
}

int runPlan() {
  Bench b;
  std::vector<std::string> parts =
      splitList(envOr("LDS_BENCH_PARTS", "targets,sweep"));
  auto wants = [&](const char *p) {
    return std::find(parts.begin(), parts.end(), p) != parts.end();
  };
  int64_t shrink = std::max<int64_t>(
      1, static_cast<int64_t>(envNumber("LDS_BENCH_SHRINK", 1)));
  printHeader();
  std::printf("# budget %g s per run, deadline %g s, batch %lld, shrink %lld\n",
              b.budget, b.deadline, (long long)b.batch, (long long)shrink);
  if (wants("targets")) {
    // 1. GRU D = 8, T = 100k: every solver against the sequential kernel.
    std::vector<lds_solver> all = {
        LDS_SOLVER_SEQUENTIAL,   LDS_SOLVER_JACOBI, LDS_SOLVER_PICARD,
        LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_NEWTON, LDS_SOLVER_AUTO};
    runSolves(b, "target", "gru", 100000 / shrink, all);
    if (noGpu)
      return 2;
    // 2. One iteration at D = 64.
    for (int64_t T : {int64_t(100000), int64_t(1000000)})
      for (const char *name : {"elementwise", "gru64"})
        runIterations(b, "target", name, T / shrink);
    // 3. Langevin D = 256, T = 30k: Newton's memory. One iteration first
    //    (block-cooperative kernels; its row has the peak memory); a
    //    Newton solve is predicted from it (5 iterations and the sequential
    //    first row's pass) and skipped beyond the budget.
    {
      int64_t T = 30000 / shrink;
      const lds_model *m = findModel("langevin256");
      Data data(m, T, b.batch);
      std::vector<float> states(b.batch * T * m->state_dim);
      double one = b.iteration("target", "langevin256", m, data, T,
                               LDS_SOLVER_NEWTON, states, /*reps=*/1);
      if (std::isfinite(one))
        b.last[Bench::key("langevin256", "solve", LDS_SOLVER_NEWTON)] = {
            T, 5 * one};
    }
    runSolves(b, "target", "langevin256", 30000 / shrink,
              {LDS_SOLVER_SEQUENTIAL, LDS_SOLVER_NEWTON,
               LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_PICARD, LDS_SOLVER_AUTO});
  }
  if (wants("sweep") && !noGpu) {
    std::vector<int64_t> lengths;
    for (const std::string &s :
         splitList(envOr("LDS_BENCH_LENGTHS", "1000,10000,100000,1000000")))
      lengths.push_back(std::atoll(s.c_str()));
    std::sort(lengths.begin(), lengths.end());
    std::vector<std::string> names;
    for (const Entry &e : kModels)
      names.push_back(e.name);
    std::string only = envOr("LDS_BENCH_MODELS", "");
    if (!only.empty())
      names = splitList(only);
    for (int64_t T : lengths)
      for (const std::string &name : names) {
        const lds_model *m = findModel(name);
        if (!m) {
          std::fprintf(stderr, "lds-gpu-bench: no model '%s'\n", name.c_str());
          continue;
        }
        runSolves(b, "sweep", name, T, sweepSolvers(m));
        if (noGpu)
          break;
      }
  }
  std::printf("# done in %.1f s\n", secondsSince(b.start));
  return noGpu ? 2 : 0;
}

//===-- Commands
//-----------------------------------------------------------===//

int usage() {
  std::fprintf(stderr,
               "usage: lds-gpu-bench                        the plan (see the "
               "source's header)\n"
               "       lds-gpu-bench solve MODEL SOLVER T [--batch B] "
               "[--max-iters N]\n"
               "       lds-gpu-bench iteration MODEL SOLVER T [--batch B] "
               "[--reps R]\n"
               "       lds-gpu-bench models\n");
  return 1;
}

int listModels() {
  std::printf("model,D,dtype,flops_per_step,default_solver,gpu_solvers,"
              "solver_flops_per_step\n");
  for (const Entry &e : kModels) {
    const lds_model *m = e.get();
    std::string solvers = "sequential", flops;
    for (lds_solver s : gpuSolvers(m))
      solvers += std::string(" ") + lds_solver_name(s);
    for (int s = LDS_SOLVER_JACOBI; s <= LDS_SOLVER_NEWTON; ++s)
      flops += std::string(flops.empty() ? "" : " ") +
               lds_solver_name(static_cast<lds_solver>(s)) + "=" +
               number(m->solvers[s].flops_per_step, "%.0f");
    std::printf("%s,%lld,%s,%.0f,%s,%s,%s\n", e.name, (long long)m->state_dim,
                lds_dtype_name(m->dtype), m->flops_per_step,
                lds_solver_name(static_cast<lds_solver>(m->default_solver)),
                solvers.c_str(), flops.c_str());
  }
  return 0;
}

int single(int argc, char **argv) {
  if (argc < 5)
    return usage();
  std::string kind = argv[1], name = argv[2];
  const lds_model *m = findModel(name);
  lds_solver s;
  if (!m || !lds_solver_from_name(argv[3], &s)) {
    std::fprintf(stderr, "lds-gpu-bench: unknown model or solver\n");
    return usage();
  }
  int64_t T = std::atoll(argv[4]), batch = 16, maxIters = 0;
  int reps = 5;
  for (int i = 5; i + 1 < argc; i += 2) {
    std::string opt = argv[i];
    if (opt == "--batch")
      batch = std::atoll(argv[i + 1]);
    else if (opt == "--max-iters")
      maxIters = std::atoll(argv[i + 1]);
    else if (opt == "--reps")
      reps = std::atoi(argv[i + 1]);
    else
      return usage();
  }
  if (T < 1 || batch < 1 || reps < 1)
    return usage();
  Data data(m, T, batch);
  std::vector<float> states(batch * T * m->state_dim);
  printHeader();
  Row r = kind == "solve" ? measureSolve("single", name, m, data, T, batch, s,
                                         states, Plan{true, reps}, maxIters)
                          : measureIteration("single", name, m, data, T, batch,
                                             s, states, reps);
  printRow(r);
  return noGpu ? 2 : 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 1 || (argc == 2 && std::strcmp(argv[1], "all") == 0))
    return runPlan();
  std::string cmd = argv[1];
  if (cmd == "models")
    return listModels();
  if (cmd == "solve" || cmd == "iteration")
    return single(argc, argv);
  return usage();
}
