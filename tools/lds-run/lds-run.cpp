//===- lds-run.cpp - compile and run a model ------------------------------===//
//
// lds-run model.lds: compiles a model in-process (cached), loads it with the
// JIT, solves it with lds_solve on seeded random or user-supplied data and
// prints the model, solver, device, iterations, residual and time; with
// --check, the error against a sequential float64 evaluation.
//
// Exit status: 0 success; 1 an error (bad arguments or files, a compile
// error, an lds_solve failure); 2 the solve did not converge (the stats are
// printed and --out is still written); 3 --check found an error above the
// tolerance.
//
//===----------------------------------------------------------------------===//

#include "ModelCompiler.h"
#include "RunData.h"

#include "lds/Compiler/Driver.h"
#include "lds/Target/ModelObject.h"
#include "lds/runtime.h"

#include "GpuBackend.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

using namespace lds;
using namespace lds::run;
namespace cl = llvm::cl;

static cl::OptionCategory category("lds-run options");

static cl::opt<std::string> inputFile(cl::Positional, cl::Required,
                                      cl::desc("<model.lds> ('-' for stdin)"),
                                      cl::cat(category));
static cl::opt<std::string>
    modelName("model",
              cl::desc("The model to run, when the file defines several"),
              cl::value_desc("name"), cl::cat(category));
static cl::opt<int64_t>
    numSteps("T", cl::desc("Time steps (default: from --inputs, else 1000)"),
             cl::value_desc("n"), cl::init(0), cl::cat(category));
static cl::opt<int64_t>
    batchSize("batch",
              cl::desc("Independent sequences (default: from --inputs or "
                       "--x0, else 1)"),
              cl::value_desc("n"), cl::init(0), cl::cat(category));
static cl::opt<std::string>
    solverName("solver",
               cl::desc("auto, newton, quasi-newton, picard, jacobi or "
                        "sequential (default auto)"),
               cl::value_desc("name"), cl::init("auto"), cl::cat(category));
// --threads: libLLVM registers an option of that name too, so this one is
// created in main() after taking that one off the command line.
static cl::opt<int> *numThreadsOption;
static cl::opt<std::string> deviceName(
    "device",
    cl::desc("auto, cpu or cuda (default auto). cuda, and auto when a GPU "
             "is usable, also compile the model's CUDA kernels"),
    cl::value_desc("name"), cl::init("auto"), cl::cat(category));
static cl::opt<std::string>
    gpuArch("gpu-arch",
            cl::desc("GPU architectures to build cubins for, comma-separated "
                     "(default: the GPU's own, e.g. sm_90); the PTX is always "
                     "embedded"),
            cl::value_desc("sm_XY,..."), cl::cat(category));
static cl::opt<std::string> cudaPath("cuda-path", cl::desc(kCudaPathHelp),
                                     cl::value_desc("dir"), cl::cat(category));
static cl::opt<bool> verbose("verbose",
                             cl::desc("Say how the model is compiled: the GPU "
                                      "found, each stage and its time"),
                             cl::cat(category));
static cl::opt<uint64_t>
    seed("seed",
         cl::desc("Seed of the random params, inputs and x0 (default 0)"),
         cl::value_desc("n"), cl::init(0), cl::cat(category));
static cl::opt<std::string>
    paramsFile("params",
               cl::desc("The params: an .npz with one array per param, by "
                        "name"),
               cl::value_desc("p.npz"), cl::cat(category));
static cl::opt<std::string>
    inputsFile("inputs",
               cl::desc("The inputs: an .npz with one [batch, T, *shape] or "
                        "[T, *shape] array per input, by name"),
               cl::value_desc("u.npz"), cl::cat(category));
static cl::opt<std::string>
    x0File("x0", cl::desc("The initial state: a [batch, D] or [D] .npy"),
           cl::value_desc("x0.npy"), cl::cat(category));
static cl::opt<std::string>
    outFile("out", cl::desc("Write the states, [batch, T, D], to a .npy"),
            cl::value_desc("states.npy"), cl::cat(category));
static cl::opt<std::string>
    saveParamsFile("save-params",
                   cl::desc("Write the params used to an .npz (--params "
                            "reads it back)"),
                   cl::value_desc("p.npz"), cl::cat(category));
static cl::opt<std::string>
    saveInputsFile("save-inputs",
                   cl::desc("Write the inputs used, [batch, T, *shape], to "
                            "an .npz (--inputs reads it back)"),
                   cl::value_desc("u.npz"), cl::cat(category));
static cl::opt<std::string>
    saveX0File("save-x0",
               cl::desc("Write the x0 used, [batch, D], to a .npy (--x0 "
                        "reads it back)"),
               cl::value_desc("x0.npy"), cl::cat(category));
static cl::opt<bool>
    check("check",
          cl::desc("Compare the states with a sequential float64 "
                   "evaluation; exit 3 if the error exceeds --check-tol"),
          cl::cat(category));
static cl::opt<double> checkTol(
    "check-tol",
    cl::desc("Largest accepted max|x - x_ref| / max(1, max|x_ref|) "
             "(default: 10 * (atol + rtol), i.e. 1.1e-3 for f32 and 1.1e-8 "
             "for f64 at the default tolerances)"),
    cl::init(0), cl::cat(category));
static cl::opt<double>
    absTol("atol",
           cl::desc("Absolute tolerance (default: the dtype's: 1e-5 "
                    "for f32, 1e-10 for f64)"),
           cl::init(0), cl::cat(category));
static cl::opt<double>
    relTol("rtol",
           cl::desc("Relative tolerance (default: the dtype's: 1e-4 "
                    "for f32, 1e-9 for f64)"),
           cl::init(0), cl::cat(category));
static cl::opt<int64_t>
    maxIters("max-iters",
             cl::desc("Most fixed-point iterations (default 0: T)"),
             cl::value_desc("n"), cl::init(0), cl::cat(category));
static cl::opt<std::string>
    cpu("cpu",
        cl::desc("CPU to compile for: native (default) or an LLVM CPU name"),
        cl::value_desc("name"), cl::init("native"), cl::cat(category));
static cl::opt<bool> storeResultsInPlace(
    "store-results-in-place",
    cl::desc("Compile the CPU code (which the GPU emulator runs) with the GPU "
             "lowering's results stored in place: for tests"),
    cl::Hidden, cl::cat(category));
static cl::opt<bool> noCache("no-cache",
                             cl::desc("Compile even if the cache has the "
                                      "model, and do not store it"),
                             cl::cat(category));

namespace {

int fail(const llvm::Twine &msg) {
  llvm::errs() << "lds-run: error: " << msg << "\n";
  return 1;
}

std::string format(const char *fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

/// 2.4e-07, 0.0012, 3: two significant digits.
std::string formatValue(double v) { return format("%.2g", v); }

/// 1e-04 when one digit says it exactly, else two significant digits.
std::string formatTolerance(double v) {
  std::string s = format("%.0e", v);
  return std::strtod(s.c_str(), nullptr) == v ? s : formatValue(v);
}

std::string formatSeconds(double s) {
  return s < 1 ? format("%.3g ms", s * 1e3) : format("%.3g s", s);
}

std::string describeCompile(const CompiledModel &m) {
  return m.fromCache ? "cached" : format("compiled in %.2f s", m.seconds);
}

void note(const std::string &message) {
  if (verbose)
    llvm::errs() << "lds-run: note: " << message << "\n";
}

/// Whether to compile the model's GPU kernels for `device`, and for which
/// architectures: --gpu-arch's (already in `options.gpuArchs`), else the
/// GPU's own. False with `error` set when --device cuda cannot run.
bool planGpuBuild(lds_device device, CompileOptions &options,
                  std::string &error) {
  if (device == LDS_DEVICE_CPU)
    return true;
  GpuProbe probe = probeGpu();
  std::string flag =
      device == LDS_DEVICE_CUDA ? "--device cuda" : "--device auto";
  if (!probe.usable) {
    if (device == LDS_DEVICE_CUDA) {
      error = flag + ": " + probe.reason;
      return false;
    }
    note(flag + ": " + probe.reason + "; compiling for the CPU only");
    return true;
  }
  if (gpuArch.getNumOccurrences()) {
    note(probe.emulated ? "GPU: the emulator (LDS_GPU_EMULATE=1)"
                        : "GPU: device 0 is " + probe.arch);
    options.withGPU = true; // options.gpuArchs: --gpu-arch's
    return true;
  }
  if (probe.emulated) {
    note("GPU: the emulator (LDS_GPU_EMULATE=1), which runs the kernels' "
         "host image: no cubins");
    options.withGPU = true;
    return true;
  }
  if (llvm::is_contained(supportedGPUArchs(), probe.arch)) {
    note("GPU: device 0 is " + probe.arch + ": a cubin for it");
    options.withGPU = true;
    options.gpuArchs = {probe.arch};
    return true;
  }
  // Older than the PTX's sm_80: the kernels cannot run on it. Newer than
  // ptxas is asked to build for: the driver compiles the PTX.
  unsigned capability = 0;
  if (!llvm::StringRef(probe.arch).drop_front(3).getAsInteger(10, capability) &&
      capability < 80) {
    std::string why = "the GPU (device 0) is " + probe.arch +
                      "; the CUDA kernels need sm_80 or newer";
    if (device == LDS_DEVICE_CUDA) {
      error = flag + ": " + why;
      return false;
    }
    note(flag + ": " + why + "; compiling for the CPU only");
    return true;
  }
  note("GPU: device 0 is " + probe.arch +
       ", which lds builds no cubin for: the object holds PTX only, for the "
       "driver to compile");
  options.withGPU = true;
  return true;
}

/// ", with CUDA kernels (cubin sm_90, PTX)" for a model compiled with them.
std::string describeGpuBuild(const CompileOptions &options) {
  if (!options.withGPU)
    return "";
  GPUTargetOptions gpu;
  gpu.cudaPath = options.cudaPath;
  std::string images;
  if (!findPtxas(gpu).empty())
    for (const std::string &arch : options.gpuArchs)
      images += "cubin " + arch + ", ";
  return ", with CUDA kernels (" + images + "PTX)";
}

/// "params, x0: random (seed 0), inputs: u.npz": sources grouped.
std::string describeSources(const RunData &data) {
  std::vector<std::pair<std::string, std::string>> groups; // source, names
  auto add = [&](const char *name, const std::string &source) {
    for (auto &g : groups)
      if (g.first == source) {
        g.second += std::string(", ") + name;
        return;
      }
    groups.push_back({source, name});
  };
  add("params", data.paramsFrom);
  add("inputs", data.inputsFrom);
  add("x0", data.x0From);
  std::string s;
  for (auto &g : groups)
    s += (s.empty() ? "" : ", ") + g.second + ": " + g.first;
  return s;
}

bool parseSolver(llvm::StringRef name, lds_solver &out) {
  if (name == "quasi_newton")
    return false; // the command line spells it quasi-newton
  return lds_solver_from_name(name.str().c_str(), &out);
}

int runTool(int argc, char **argv) {
  int numThreads = *numThreadsOption;
  lds_solver solver;
  if (!parseSolver(solverName, solver))
    return fail("--solver=" + solverName +
                " is not one of: auto, newton, quasi-newton, picard, jacobi, "
                "sequential");
  lds_device device;
  if (deviceName == "auto")
    device = LDS_DEVICE_AUTO;
  else if (deviceName == "cpu")
    device = LDS_DEVICE_CPU;
  else if (deviceName == "cuda")
    device = LDS_DEVICE_CUDA;
  else
    return fail("--device=" + deviceName + " is not one of: auto, cpu, cuda");
  if (numSteps.getNumOccurrences() && numSteps < 1)
    return fail("--T must be at least 1, got " + llvm::Twine(numSteps));
  if (batchSize.getNumOccurrences() && batchSize < 1)
    return fail("--batch must be at least 1, got " + llvm::Twine(batchSize));
  if (numThreads < 0)
    return fail("--threads must be at least 0, got " + llvm::Twine(numThreads));
  if (numThreads > 1024)
    return fail("--threads must be at most 1024, got " +
                llvm::Twine(numThreads));
  if (maxIters < 0)
    return fail("--max-iters must be at least 0, got " + llvm::Twine(maxIters));
  if (!(absTol >= 0) || !(relTol >= 0) || !std::isfinite(absTol) ||
      !std::isfinite(relTol))
    return fail("--atol and --rtol must be finite and non-negative");
  if (!(checkTol >= 0) || !std::isfinite(checkTol))
    return fail("--check-tol must be finite and non-negative");
  std::string error;
  std::vector<std::string> gpuArchs;
  if (gpuArch.getNumOccurrences() && !parseGPUArchs(gpuArch, gpuArchs, error))
    return fail(error);
  if (device == LDS_DEVICE_CPU &&
      (gpuArch.getNumOccurrences() || cudaPath.getNumOccurrences()))
    return fail(std::string(gpuArch.getNumOccurrences() ? "--gpu-arch"
                                                        : "--cuda-path") +
                " is for the CUDA kernels; --device cpu compiles none");

  // Compile (or load from the cache) and link the model.
  llvm::SourceMgr sourceMgr;
  if (!loadSourceFile(inputFile, sourceMgr, llvm::errs(), "lds-run"))
    return 1;
  // Every solver's kernels are compiled whatever --solver says (the choice
  // only sets the model's default), so the model is compiled once with
  // `auto` and one cache entry serves every solver. Should a build ever
  // leave the requested solver out, it is compiled for that solver.
  CompileOptions compileOptions;
  compileOptions.modelName = modelName;
  compileOptions.solver = "auto";
  compileOptions.cpu = cpu;
  compileOptions.cudaPath = cudaPath;
  compileOptions.gpuArchs = gpuArchs;
  if (!planGpuBuild(device, compileOptions, error))
    return fail(error);
  if (verbose)
    compileOptions.log = note;
  compileOptions.useCache = !noCache;
  compileOptions.storeResultsInPlace = storeResultsInPlace;
  compileOptions.cacheDir = getDefaultCacheDir();
  compileOptions.version = getCompilerVersion(
      llvm::sys::fs::getMainExecutable(argv[0], (void *)&fail));
  auto jit = ModelJIT::create();
  if (!jit)
    return fail("cannot create the JIT: " + toString(jit.takeError()));
  auto compileAndLoad =
      [&](const CompileOptions &options, bool promote, CompiledModel &compiled,
          llvm::raw_ostream &errs = llvm::errs()) -> const lds_model * {
    if (!compileModel(sourceMgr, options, promote, compiled, errs))
      return nullptr;
    auto start = std::chrono::steady_clock::now();
    auto loaded = (*jit)->load(compiled);
    if (!loaded && compiled.fromCache) {
      // A damaged or foreign cache entry: compiled again, and replaced.
      llvm::errs() << "lds-run: note: the cached object does not load ("
                   << toString(loaded.takeError())
                   << "); compiling the model again\n";
      CompileOptions fresh = options;
      fresh.readCache = false;
      compiled = CompiledModel();
      if (!compileModel(sourceMgr, fresh, promote, compiled, errs))
        return nullptr;
      loaded = (*jit)->load(compiled);
    }
    if (!loaded) {
      fail("cannot load the compiled model: " + toString(loaded.takeError()));
      return nullptr;
    }
    note(format(
        "JIT link in %.2f s",
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count()));
    return *loaded;
  };
  CompiledModel mainCompile;
  std::string gpuErrors;
  llvm::raw_string_ostream gpuErrorStream(gpuErrors);
  // With auto, a GPU whose kernels cannot be built (no libdevice, a failing
  // ptxas) leaves the CPU; the note says why.
  bool gpuOptional = compileOptions.withGPU && device == LDS_DEVICE_AUTO;
  const lds_model *model = compileAndLoad(
      compileOptions, /*promote=*/false, mainCompile,
      gpuOptional ? static_cast<llvm::raw_ostream &>(gpuErrorStream)
                  : llvm::errs());
  if (!model && gpuOptional) {
    compileOptions.withGPU = false;
    compileOptions.gpuArchs.clear();
    model = compileAndLoad(compileOptions, /*promote=*/false, mainCompile);
    llvm::StringRef reason = llvm::StringRef(gpuErrors).trim();
    reason.consume_front("lds-run: error: ");
    if (model)
      llvm::errs() << "lds-run: note: --device auto: cannot build the CUDA "
                      "kernels: "
                   << reason << "; compiling for the CPU only\n";
  }
  if (!model)
    return 1;
  std::string name = mainCompile.name;
  compileOptions.modelName = name;
  if (!lds_model_has_solver(model, solver)) {
    CompileOptions forSolver = compileOptions;
    forSolver.solver = solverName;
    CompiledModel again;
    model = compileAndLoad(forSolver, /*promote=*/false, again);
    if (!model)
      return 1;
    mainCompile.fromCache &= again.fromCache;
    mainCompile.seconds += again.seconds;
  }
  lds_dtype dtype = lds_model_dtype(model);
  if (dtype != LDS_DTYPE_F32 && dtype != LDS_DTYPE_F64)
    return fail(std::string("cannot use the compiled model: ") +
                lds_last_error());

  // --check's reference: the model itself if it is f64, else the model
  // compiled with every f32 promoted to f64.
  const lds_model *reference = nullptr;
  CompiledModel refCompile;
  if (check) {
    if (dtype == LDS_DTYPE_F64) {
      reference = model;
    } else {
      // The reference runs on the CPU: no GPU kernels.
      CompileOptions forReference = compileOptions;
      forReference.withGPU = false;
      forReference.gpuArchs.clear();
      reference = compileAndLoad(forReference, /*promote=*/true, refCompile);
      if (!reference)
        return 1;
      if (lds_model_dtype(reference) != LDS_DTYPE_F64 ||
          lds_model_state_dim(reference) != lds_model_state_dim(model))
        return fail("the float64 reference of model '" + name +
                    "' does not match the model");
    }
  }

  int64_t d = lds_model_state_dim(model);
  std::string header = "model " + name + " (" + lds_dtype_name(dtype) +
                       ", D = " + std::to_string(d) + ") from " +
                       sourceDisplayName(inputFile).str() + ": " +
                       describeCompile(mainCompile) +
                       describeGpuBuild(compileOptions);
  if (check && dtype == LDS_DTYPE_F32)
    header += ", float64 reference " + describeCompile(refCompile);
  llvm::outs() << header << "\n";
  llvm::outs().flush();

  // Data.
  DataOptions dataOptions;
  dataOptions.T = numSteps;
  dataOptions.batch = batchSize;
  dataOptions.seed = seed;
  dataOptions.paramsPath = paramsFile;
  dataOptions.inputsPath = inputsFile;
  dataOptions.x0Path = x0File;
  RunData data;
  if (!prepareRunData(model, dataOptions, data, error))
    return fail(error);
  for (const std::string &dataNote : data.notes)
    llvm::errs() << "lds-run: note: " << dataNote << "\n";
  if ((!saveParamsFile.empty() &&
       !saveParams(model, data, dtype, saveParamsFile, error)) ||
      (!saveInputsFile.empty() &&
       !saveInputs(model, data, dtype, saveInputsFile, error)) ||
      (!saveX0File.empty() && !saveX0(data, dtype, saveX0File, error)))
    return fail(error);

  unsigned threads = numThreads;
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  llvm::outs() << "T = " << data.T << ", batch = " << data.batch
               << ", threads = " << threads << ", " << describeSources(data)
               << "\n";
  llvm::outs().flush();

  // Solve.
  TypedData typed = convertRunData(data, dtype);
  size_t item = dtype == LDS_DTYPE_F32 ? sizeof(float) : sizeof(double);
  std::vector<char> states(size_t(data.batch * data.T * d) * item);
  lds_options options = lds_default_options();
  options.solver = solver;
  options.device = device;
  options.max_iters = maxIters;
  options.atol = absTol;
  options.rtol = relTol;
  options.num_threads = numThreads;
  lds_stats stats = {};
  auto start = std::chrono::steady_clock::now();
  lds_status status = lds_solve(model, typed.paramPtrs.data(), typed.x0.data(),
                                typed.inputPtrs.data(), data.T, data.batch,
                                states.data(), &options, &stats);
  double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (status != LDS_OK && status != LDS_ERR_NOT_CONVERGED)
    return fail(std::string(lds_status_string(status)) + ": " +
                lds_last_error());
  llvm::outs() << "solver " << lds_solver_name(stats.solver);
  if (solver != LDS_SOLVER_AUTO && solver != stats.solver)
    llvm::outs() << " (requested " << lds_solver_name(solver) << ")";
  llvm::outs() << " on " << lds_device_name(stats.device) << ": "
               << stats.iterations
               << (stats.iterations == 1 ? " iteration" : " iterations") << ", "
               << (stats.converged ? "converged" : "not converged")
               << ", max residual " << formatValue(stats.max_residual);
  if (stats.fallbacks)
    llvm::outs() << ", " << stats.fallbacks
                 << (stats.fallbacks == 1 ? " fallback" : " fallbacks");
  llvm::outs() << ", " << formatSeconds(wall) << "\n";
  llvm::outs().flush();
  if (status == LDS_ERR_NOT_CONVERGED)
    llvm::errs() << "lds-run: error: " << lds_status_string(status) << ": "
                 << lds_last_error() << "\n";

  if (!outFile.empty() &&
      !saveStates(states.data(), data, dtype, outFile, error))
    return fail(error);

  int exitCode = status == LDS_ERR_NOT_CONVERGED ? 2 : 0;
  if (check) {
    // The solve's own tolerances bound each step's residual; the error of
    // the whole trajectory may be a few times larger.
    bool f32 = dtype == LDS_DTYPE_F32;
    double a = absTol > 0 ? double(absTol)
               : f32      ? LDS_DEFAULT_ATOL_F32
                          : LDS_DEFAULT_ATOL_F64;
    double r = relTol > 0 ? double(relTol)
               : f32      ? LDS_DEFAULT_RTOL_F32
                          : LDS_DEFAULT_RTOL_F64;
    double tolerance = checkTol > 0 ? double(checkTol) : 10 * (a + r);
    std::vector<double> expected;
    if (lds_status s = evaluateSequential(reference, data, expected))
      return fail("the float64 reference: " +
                  std::string(lds_status_string(s)) + ": " + lds_last_error());
    double err = compareWithReference(states.data(), dtype, expected);
    bool ok = err <= tolerance;
    llvm::outs() << "check: max error vs sequential float64 = "
                 << (std::isnan(err) ? std::string("nan (not finite)")
                                     : formatValue(err))
                 << " (tolerance " << formatTolerance(tolerance)
                 << "): " << (ok ? "ok" : "FAILED") << "\n";
    if (!ok && exitCode == 0)
      exitCode = 3;
  }
  return exitCode;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::StringMap<cl::Option *> &registered = cl::getRegisteredOptions();
  if (auto it = registered.find("threads"); it != registered.end())
    it->second->removeArgument();
  static cl::opt<int> threadsOption(
      "threads", cl::desc("CPU threads (default 0: all)"), cl::value_desc("n"),
      cl::init(0), cl::cat(category));
  numThreadsOption = &threadsOption;
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "lds-run: compile a model and solve it in parallel over time\n\n"
      "  lds-run model.lds                      random params, inputs, x0\n"
      "  lds-run model.lds --T 10000 --batch 16 --solver newton --check\n"
      "  lds-run model.lds --params p.npz --inputs u.npz --x0 x0.npy "
      "--out states.npy\n\n"
      "Random data (--seed): params [m, k] uniform(+-1/sqrt(k)); [n, k, k] "
      "permutation\nmatrices (all k! in lexicographic order when n = k!); "
      "other params\nuniform(+-0.5); float inputs N(0, 1); i32 inputs "
      "uniform in [0, index range);\nx0 N(0, 0.5^2).\n\n"
      "--device cuda (and auto, when libcuda.so.1 finds a GPU) compiles the "
      "model's CUDA\nkernels too: a cubin for the GPU's architecture "
      "(--gpu-arch), the PTX, and the\nhost image of the GPU emulator "
      "(LDS_GPU_EMULATE=1); --device cpu compiles none.\n\n"
      "Compiled models are cached in $LDS_CACHE_DIR, $XDG_CACHE_HOME/lds or "
      "~/.cache/lds.\n\n"
      "Exit status: 0 ok, 1 error, 2 not converged, 3 --check failed.\n");
  return runTool(argc, argv);
}
