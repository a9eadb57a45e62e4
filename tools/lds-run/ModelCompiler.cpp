//===- ModelCompiler.cpp - compile, cache and JIT-load a model ------------===//

#include "ModelCompiler.h"

#include "lds/Compiler/DiagnosticPrinter.h"
#include "lds/Compiler/Driver.h"
#include "lds/Compiler/Pipeline.h"
#include "lds/Dialect/LDSDialect.h"
#include "lds/Dialect/LDSOps.h"
#include "lds/Target/ModelObject.h"

#include "GpuBackend.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"

#include <chrono>
#include <cstdio>

using namespace lds;
using namespace lds::run;

#ifndef LDS_RUN_VERSION
#define LDS_RUN_VERSION "0"
#endif

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// For --verbose: "<what> in 0.12 s" since `start`.
void note(const CompileOptions &options, const llvm::Twine &what,
          std::chrono::steady_clock::time_point start) {
  if (!options.log)
    return;
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), " in %.2f s", secondsSince(start));
  options.log((what + seconds).str());
}

/// The CPU code is generated for: the host's name and features for
/// `native`.
std::string describeCPU(const std::string &cpu) {
  if (cpu != "native")
    return cpu;
  std::string s = "native:" + llvm::sys::getHostCPUName().str();
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  std::vector<std::string> sorted;
  for (auto &f : features)
    sorted.push_back((f.second ? "+" : "-") + f.first().str());
  llvm::sort(sorted);
  for (const std::string &f : sorted)
    s += "," + f;
  return s;
}

std::string cacheKey(llvm::StringRef source, const CompileOptions &options,
                     llvm::StringRef model, bool promoteToF64) {
  llvm::SHA256 hash;
  auto add = [&](llvm::StringRef s) {
    hash.update(s);
    hash.update(llvm::StringRef("\0", 1));
  };
  add("lds-run model cache 2");
  add(options.version);
  add(model);
  add(options.solver);
  add(describeCPU(options.cpu));
  if (options.withGPU) {
    // The cubins depend on the archs and on the ptxas (none: PTX only).
    GPUTargetOptions gpu;
    gpu.cudaPath = options.cudaPath;
    add("cpu+cuda");
    add(llvm::join(options.gpuArchs, ","));
    add(findPtxas(gpu));
    add(options.cudaPath);
  } else {
    add("cpu");
  }
  add(promoteToF64 ? "f64" : "as-written");
  add(options.storeResultsInPlace ? "results in place" : "results copied");
  add(source);
  std::array<uint8_t, 32> digest = hash.final();
  return llvm::toHex(llvm::ArrayRef<uint8_t>(digest.data(), 16),
                     /*LowerCase=*/true);
}

bool isObjectFile(const llvm::MemoryBuffer &buffer) {
  llvm::StringRef b = buffer.getBuffer();
  return b.size() > 64 && b.starts_with("\x7f"
                                        "ELF");
}

/// Writes `bytes` to `path` through a temporary file and a rename, so that a
/// concurrent lds-run never sees half an entry. Failures are notes only.
void writeCacheEntry(llvm::StringRef dir, llvm::StringRef path,
                     llvm::StringRef bytes, llvm::raw_ostream &errs) {
  auto note = [&](const llvm::Twine &msg) {
    errs << "lds-run: note: not caching the compiled model: " << msg << "\n";
  };
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return note("cannot create '" + dir + "': " + ec.message());
  int fd;
  llvm::SmallString<256> tmp;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%%%", fd, tmp))
    return note("cannot write in '" + dir + "': " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << bytes;
    os.close();
    if (os.has_error()) {
      std::string msg = os.error().message();
      os.clear_error();
      llvm::sys::fs::remove(tmp);
      return note("cannot write '" + tmp + "': " + msg);
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
    return note("cannot rename '" + tmp + "': " + ec.message());
  }
}

/// Whether LLVM knows `cpu` for the host's architecture; an unknown name
/// would abort LLVM's code generator.
bool checkCPUName(const std::string &cpu, std::string &error) {
  if (cpu == "native")
    return true;
  llvm::InitializeNativeTarget();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return false;
  std::unique_ptr<llvm::MCSubtargetInfo> sti(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!sti)
    return true;
  if (sti->isCPUStringValid(cpu))
    return true;
  error = "--cpu=" + cpu + " is not a CPU LLVM knows for " + triple +
          " (use native, or a name such as x86-64-v3 or skylake)";
  return false;
}

} // namespace

std::string lds::run::getDefaultCacheDir() {
  if (std::optional<std::string> dir =
          llvm::sys::Process::GetEnv("LDS_CACHE_DIR");
      dir && !dir->empty())
    return *dir;
  llvm::SmallString<256> path;
  if (std::optional<std::string> xdg =
          llvm::sys::Process::GetEnv("XDG_CACHE_HOME");
      xdg && !xdg->empty()) {
    path = *xdg;
  } else if (std::optional<std::string> home =
                 llvm::sys::Process::GetEnv("HOME");
             home && !home->empty()) {
    path = *home;
    llvm::sys::path::append(path, ".cache");
  } else {
    return "";
  }
  llvm::sys::path::append(path, "lds");
  return std::string(path);
}

std::string lds::run::getCompilerVersion(const std::string &executable) {
  std::string v = "lds-run " LDS_RUN_VERSION ", abi " +
                  std::to_string(LDS_ABI_VERSION) +
                  ", llvm " LLVM_VERSION_STRING;
  llvm::sys::fs::file_status status;
  if (!executable.empty() && !llvm::sys::fs::status(executable, status))
    v += ", exe " + std::to_string(status.getSize()) + "@" +
         std::to_string(llvm::sys::toTimeT(status.getLastModificationTime()));
  return v;
}

bool lds::run::compileModel(llvm::SourceMgr &sourceMgr,
                            const CompileOptions &options, bool promoteToF64,
                            CompiledModel &result, llvm::raw_ostream &errs) {
  auto start = std::chrono::steady_clock::now();
  std::string error;
  if (!checkCPUName(options.cpu, error)) {
    errs << "lds-run: error: " << error << "\n";
    return false;
  }
  mlir::MLIRContext context;
  context.loadDialect<LDSDialect>();
  CaretDiagnosticHandler handler(sourceMgr, &context, errs);

  // The front end runs even on a cache hit: it is quick, finds the model,
  // and reports errors in the source.
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (mlir::failed(compileToDialect(sourceMgr, context, module,
                                    /*astOut=*/nullptr, promoteToF64)))
    return false;
  note(options, promoteToF64 ? "front end (float64 reference)" : "front end",
       start);
  llvm::StringRef file = sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())
                             ->getBufferIdentifier();
  llvm::SmallVector<ModelOp> models =
      llvm::to_vector(module->getOps<ModelOp>());
  std::vector<std::string> names;
  for (ModelOp m : models)
    names.push_back(m.getSymName().str());
  ModelOp chosen;
  if (!options.modelName.empty()) {
    for (ModelOp m : models)
      if (m.getSymName() == options.modelName)
        chosen = m;
    if (!chosen) {
      errs << "lds-run: error: " << file << " has no model '"
           << options.modelName << "' (it defines: " << llvm::join(names, ", ")
           << ")\n";
      return false;
    }
  } else if (models.size() == 1) {
    chosen = models.front();
  } else {
    errs << "lds-run: error: " << file << " defines "
         << (models.empty() ? "no model"
                            : "several models (" + llvm::join(names, ", ") +
                                  "): choose one with --model NAME")
         << "\n";
    return false;
  }
  result.name = chosen.getSymName().str();

  llvm::StringRef source =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer();
  llvm::SmallString<256> cachePath;
  bool caching = options.useCache && !options.cacheDir.empty();
  if (caching) {
    cachePath = options.cacheDir;
    llvm::sys::path::append(
        cachePath, result.name + "-" +
                       cacheKey(source, options, result.name, promoteToF64) +
                       ".o");
    auto buffer = llvm::MemoryBuffer::getFile(cachePath, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/
                                              false);
    if (options.readCache && buffer && isObjectFile(**buffer)) {
      result.object = std::move(*buffer);
      result.fromCache = true;
      result.seconds = secondsSince(start);
      if (options.log)
        options.log(("cached: " + cachePath).str());
      return true;
    }
  }
  if (options.log)
    options.log("compiling model " + result.name +
                (promoteToF64 ? " (float64 reference)" : "") + " for " +
                (options.withGPU ? "cpu+cuda" : "cpu") +
                (caching ? " (cache entry " + cachePath.str().str() + ")"
                         : std::string(" (no cache)")));

  // Only the chosen model is compiled.
  for (ModelOp m : models)
    if (m != chosen)
      m.erase();
  auto stage = std::chrono::steady_clock::now();
  PipelineOptions pipeline;
  pipeline.solver = options.solver;
  pipeline.target = options.withGPU ? "all" : "cpu";
  if (mlir::failed(runModelPipeline(*module, pipeline)))
    return false;
  note(options, "lds pipeline", stage);
  ModelObjectOptions objectOptions;
  objectOptions.withGPU = options.withGPU;
  objectOptions.gpu.archs = options.gpuArchs;
  objectOptions.gpu.cudaPath = options.cudaPath;
  objectOptions.cpu.cpu = options.cpu;
  objectOptions.cpu.storeResultsInPlace = options.storeResultsInPlace;
  objectOptions.log = options.log;
  llvm::SmallVector<char, 0> bytes;
  llvm::raw_svector_ostream os(bytes);
  if (!emitModelObject(*module, collectModelInfo(*module), objectOptions,
                       ModelObjectFormat::Object, os, error)) {
    if (!error.empty())
      errs << "lds-run: error: " << error << "\n";
    return false;
  }
  llvm::StringRef object(bytes.data(), bytes.size());
  if (caching)
    writeCacheEntry(options.cacheDir, cachePath, object, errs);
  result.object = llvm::MemoryBuffer::getMemBufferCopy(
      object, result.name + (promoteToF64 ? "-f64.o" : ".o"));
  result.fromCache = false;
  result.seconds = secondsSince(start);
  return true;
}

//===----------------------------------------------------------------------===//
// ModelJIT
//===----------------------------------------------------------------------===//

ModelJIT::ModelJIT(std::unique_ptr<llvm::orc::LLJIT> jit)
    : jit(std::move(jit)) {}

ModelJIT::~ModelJIT() = default;

llvm::Expected<std::unique_ptr<ModelJIT>> ModelJIT::create() {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit)
    return jit.takeError();
  return std::unique_ptr<ModelJIT>(new ModelJIT(std::move(*jit)));
}

llvm::Expected<const lds_model *> ModelJIT::load(CompiledModel &model) {
  // The first model goes in the main JITDylib, later ones (the float64
  // reference) in their own.
  llvm::orc::JITDylib *dylib = &jit->getMainJITDylib();
  if (numLoaded > 0) {
    auto created = jit->createJITDylib("model" + std::to_string(numLoaded));
    if (!created)
      return created.takeError();
    dylib = &*created;
  }
  ++numLoaded;
  auto generator =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
          jit->getDataLayout().getGlobalPrefix());
  if (!generator)
    return generator.takeError();
  dylib->addGenerator(std::move(*generator));
  // The emulator's hooks, which the GPU modules' host image calls.
  llvm::orc::SymbolMap hooks;
  for (const EmulatorHook &hook : emulatorHooks())
    hooks[jit->mangleAndIntern(hook.name)] = {
        llvm::orc::ExecutorAddr::fromPtr(hook.address),
        llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  if (llvm::Error err = dylib->define(llvm::orc::absoluteSymbols(hooks)))
    return std::move(err);
  if (llvm::Error err = jit->addObjectFile(*dylib, std::move(model.object)))
    return std::move(err);
  auto symbol = jit->lookup(*dylib, "lds_model_" + model.name);
  if (!symbol)
    return symbol.takeError();
  auto getModel = symbol->toPtr<const lds_model *(*)()>();
  return getModel();
}
