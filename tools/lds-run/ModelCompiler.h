//===- ModelCompiler.h - compile, cache and JIT-load a model ----*- C++ -*-===//
//
// lds-run's in-process compiler: a model of a .lds file becomes an object
// file with the model ABI (runtime/include/lds/model_abi.h), cached on disk
// and loaded with LLVM ORC's LLJIT, which hands back the model descriptor
// for lds_solve.
//
// The cache lives in $LDS_CACHE_DIR, else $XDG_CACHE_HOME/lds, else
// ~/.cache/lds. An entry `<model>-<key>.o` is keyed by a SHA-256 of the
// source text, the model name, the solver, the CPU (for `native`, the host's
// name and features), the target with its GPU architectures and the ptxas
// that builds their cubins, the float type (the float64 reference of
// --check is its own entry) and the compiler's version (including the size
// and time of the lds-run executable, so a rebuilt compiler misses the
// cache).
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TOOLS_LDSRUN_MODELCOMPILER_H
#define LDS_TOOLS_LDSRUN_MODELCOMPILER_H

#include "lds/runtime.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
namespace orc {
class LLJIT;
} // namespace orc
} // namespace llvm

namespace lds {
namespace run {

struct CompileOptions {
  std::string modelName;       // "" : the file's only model
  std::string solver = "auto"; // as lds-compile --solver
  std::string cpu = "native";  // as lds-compile --cpu
  /// Also the GPU kernels, as lds-compile --target=all: a cubin per
  /// `gpuArchs` (when ptxas is found), the PTX and the host-emulation image.
  bool withGPU = false;
  std::vector<std::string> gpuArchs; // as lds-compile --gpu-arch
  std::string cudaPath;              // as lds-compile --cuda-path
  /// lds-lower-to-loops' store-results-in-place in the CPU code too (see
  /// CPUTargetOptions): for tests.
  bool storeResultsInPlace = false;
  bool useCache = true;
  /// With useCache: take a cached object if there is one (false: compile
  /// anyway and replace it, for an entry that would not load).
  bool readCache = true;
  std::string cacheDir; // "" : no cache
  std::string version;  // the compiler version in the cache key
  /// If set, receives a note per compile stage with its time (--verbose).
  std::function<void(const std::string &)> log;
};

struct CompiledModel {
  std::string name; // the model's name
  std::unique_ptr<llvm::MemoryBuffer> object;
  bool fromCache = false;
  double seconds = 0; // compile (or cache load) time
};

/// $LDS_CACHE_DIR, $XDG_CACHE_HOME/lds or $HOME/.cache/lds; "" if none is
/// set.
std::string getDefaultCacheDir();

/// A version string for the cache key: lds-run's own version, the ABI and
/// LLVM versions, and the size and modification time of `executable`.
std::string getCompilerVersion(const std::string &executable);

/// Compiles the model of the main buffer of `sourceMgr` (or loads it from
/// the cache). With `promoteToF64`, every f32 of the source is compiled as
/// f64 (--check's reference). Diagnostics and errors go to `errs` as
/// `file:line:col: error: ...` with a caret, or `lds-run: error: ...`.
bool compileModel(llvm::SourceMgr &sourceMgr, const CompileOptions &options,
                  bool promoteToF64, CompiledModel &result,
                  llvm::raw_ostream &errs);

/// Model objects loaded into one process, each in its own JITDylib (the
/// float64 reference defines the same symbols). Symbols the objects do not
/// define resolve in the running process (libm's tanhf, expf, ...) or, for
/// the host-emulation GPU kernels, to the runtime's lds_emu_* hooks, which
/// the statically linked runtime does not export.
class ModelJIT {
public:
  static llvm::Expected<std::unique_ptr<ModelJIT>> create();
  ~ModelJIT();

  /// Links `model.object` and returns its descriptor, lds_model_<name>().
  llvm::Expected<const lds_model *> load(CompiledModel &model);

private:
  explicit ModelJIT(std::unique_ptr<llvm::orc::LLJIT> jit);
  std::unique_ptr<llvm::orc::LLJIT> jit;
  unsigned numLoaded = 0;
};

} // namespace run
} // namespace lds

#endif // LDS_TOOLS_LDSRUN_MODELCOMPILER_H
