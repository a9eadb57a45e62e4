//===- lds-compile.cpp - the lds compiler driver --------------------------===//
//
// lds-compile model.lds -o model.o: parses and checks a model, lowers it to
// the lds dialect and (as later stages land) derives its Jacobian, selects a
// solver and emits kernels. A thin main over the LDSDriver library.
//
//===----------------------------------------------------------------------===//

#include "lds/Compiler/DiagnosticPrinter.h"
#include "lds/Compiler/Driver.h"
#include "lds/Compiler/Explain.h"
#include "lds/Compiler/Pipeline.h"
#include "lds/Dialect/LDSDialect.h"
#include "lds/Target/ModelObject.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

using namespace lds;
namespace cl = llvm::cl;

static cl::OptionCategory category("lds-compile options");

static cl::opt<std::string> inputFile(cl::Positional, cl::Required,
                                      cl::desc("<model.lds> ('-' for stdin)"),
                                      cl::cat(category));
static cl::opt<std::string> outputFile("o",
                                       cl::desc("Output file ('-' for "
                                                "stdout)"),
                                       cl::value_desc("file"),
                                       cl::cat(category));
static cl::opt<EmitKind> emitKind(
    "emit", cl::desc("What to produce"), cl::init(EmitKind::Obj),
    cl::values(clEnumValN(EmitKind::AST, "ast", "the checked syntax tree"),
               clEnumValN(EmitKind::LDS, "lds",
                          "the models in the lds dialect, as written"),
               clEnumValN(EmitKind::MLIR, "mlir",
                          "the models with their derived step, Jacobian and "
                          "solver choice"),
               clEnumValN(EmitKind::LLVM, "llvm", "LLVM IR of the CPU code"),
               clEnumValN(EmitKind::PTX, "ptx",
                          "PTX of the CUDA kernels (implies --target=cuda)"),
               clEnumValN(EmitKind::Obj, "obj", "an object file (default)"),
               clEnumValN(EmitKind::Header, "header", "the C header")),
    cl::cat(category));
static cl::opt<std::string> headerFile("header",
                                       cl::desc("Also write the C header"),
                                       cl::value_desc("file"),
                                       cl::cat(category));
static cl::opt<std::string> target(
    "target",
    cl::desc("Kernels to generate: cpu (default), cuda or all (cpu + cuda). "
             "cuda embeds PTX, a cubin per --gpu-arch when ptxas is found, "
             "and the same kernels built for the runtime's GPU emulator; the "
             "host code stays in (lds_step, lds_jacobian and the emulator "
             "use it): cuda and all embed the same kernels"),
    cl::init("cpu"), cl::cat(category));
static cl::opt<std::string>
    gpuArch("gpu-arch",
            cl::desc("GPU architectures to build cubins for, comma-separated "
                     "(default sm_80,sm_90); PTX for sm_80 is always embedded"),
            cl::init("sm_80,sm_90"), cl::cat(category));
static cl::opt<std::string> cudaPath("cuda-path", cl::desc(kCudaPathHelp),
                                     cl::value_desc("dir"), cl::cat(category));
static cl::opt<int64_t> cooperativeNewtonFrom(
    "gpu-cooperative-newton-from",
    cl::desc("Block-cooperative Newton kernels from this state dimension on "
             "(default 33; a testing aid: lower it to run them on small "
             "models)"),
    cl::init(GPUTargetOptions().cooperativeNewtonFrom), cl::Hidden,
    cl::cat(category));
static cl::opt<bool> verbose("verbose",
                             cl::desc("Say what the build did: the time of "
                                      "each stage, the ptxas used, or why "
                                      "there is no cubin"),
                             cl::cat(category));
static cl::opt<std::string>
    solver("solver",
           cl::desc("Solver: auto, newton, quasi-newton, picard, jacobi or "
                    "sequential"),
           cl::init("auto"), cl::cat(category));
static cl::opt<std::string>
    cpu("cpu",
        cl::desc("CPU to generate code for: an LLVM CPU name, or native for "
                 "this machine's (default x86-64-v2)"),
        cl::init("x86-64-v2"), cl::cat(category));
static cl::opt<bool> explain("explain",
                             cl::desc("Print each model's signature, Jacobian "
                                      "structure and solver choice"),
                             cl::cat(category));
static cl::opt<bool> verifyDiagnostics(
    "verify-diagnostics",
    cl::desc("Check the diagnostics against `expected-error {{...}}` "
             "comments in the input (for tests)"),
    cl::cat(category));

static bool checkChoice(llvm::StringRef flag, llvm::StringRef value,
                        llvm::ArrayRef<llvm::StringRef> allowed) {
  if (llvm::is_contained(allowed, value))
    return true;
  llvm::errs() << "lds-compile: error: --" << flag << "=" << value
               << " is not one of: "
               << llvm::join(allowed.begin(), allowed.end(), ", ") << "\n";
  return false;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // MLIR's printing options (--mlir-print-debuginfo shows each op's
  // file:line:col location) are offered alongside lds-compile's own.
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "lds-compile: compile a recurrence model (.lds) for parallel-in-time "
      "solving\n\n"
      "  lds-compile model.lds --emit=mlir     print the lds dialect\n"
      "  lds-compile model.lds --explain       describe the model\n"
      "  lds-compile model.lds -o model.o --header model.h\n"
      "  lds-compile model.lds --target=all -o model.o   CPU and CUDA "
      "kernels\n"
      "  lds-compile model.lds --emit=ptx      print the CUDA kernels' PTX\n\n"
      "MLIR's printer options apply to --emit=lds|mlir, e.g.\n"
      "--mlir-print-debuginfo (each op's file:line:col location).\n");

  if (!checkChoice("target", target, {"cpu", "cuda", "all"}) ||
      !checkChoice(
          "solver", solver,
          {"auto", "newton", "quasi-newton", "picard", "jacobi", "sequential"}))
    return 1;
  // `--explain` alone only explains.
  bool explainOnly = explain && emitKind.getNumOccurrences() == 0 &&
                     outputFile.empty() && headerFile.empty();
  if (emitKind == EmitKind::PTX) {
    if (target.getNumOccurrences() && target == "cpu") {
      llvm::errs() << "lds-compile: error: --emit=ptx prints the CUDA "
                      "kernels; it needs --target=cuda or all\n";
      return 1;
    }
    if (!target.getNumOccurrences())
      target = "cuda";
  }
  ModelObjectOptions objectOptions;
  objectOptions.gpu.cudaPath = cudaPath;
  objectOptions.gpu.cooperativeNewtonFrom = cooperativeNewtonFrom;
  std::string error;
  if (!parseGPUArchs(gpuArch, objectOptions.gpu.archs, error)) {
    llvm::errs() << "lds-compile: error: " << error << "\n";
    return 1;
  }
  objectOptions.withGPU = target != "cpu";
  objectOptions.cpu.cpu = cpu;
  if (verbose)
    objectOptions.log = [](const std::string &note) {
      llvm::errs() << "lds-compile: note: " << note << "\n";
    };

  mlir::MLIRContext context;
  context.loadDialect<LDSDialect>();
  llvm::SourceMgr sourceMgr;
  if (!loadSourceFile(inputFile, sourceMgr, llvm::errs()))
    return 1;

  std::string outPath = outputFile;
  if (outPath.empty() && emitKind == EmitKind::Obj && inputFile == "-") {
    llvm::errs() << "lds-compile: error: an object compiled from standard "
                    "input needs -o (a file, or '-' for stdout)\n";
    return 1;
  }
  if (outPath.empty())
    outPath = emitKind == EmitKind::Obj
                  ? llvm::sys::path::stem(inputFile).str() + ".o"
                  : "-";
  std::unique_ptr<llvm::ToolOutputFile> output;
  // Keeps a written file, or says why it could not be written (a full
  // disk, a device) rather than leave it to LLVM's "IO failure" abort.
  auto keep = [](llvm::ToolOutputFile &file, llvm::StringRef path) -> bool {
    file.os().flush();
    if (std::error_code ec = file.os().error()) {
      llvm::errs() << "lds-compile: error: cannot write '" << path
                   << "': " << ec.message() << "\n";
      file.os().clear_error();
      return false;
    }
    file.keep();
    return true;
  };
  auto openOutput = [&]() -> bool {
    output = mlir::openOutputFile(outPath, &error);
    if (!output)
      llvm::errs() << "lds-compile: error: " << error << "\n";
    return output != nullptr;
  };

  if (verifyDiagnostics) {
    mlir::SourceMgrDiagnosticVerifierHandler handler(sourceMgr, &context);
    mlir::OwningOpRef<mlir::ModuleOp> module;
    (void)compileToDialect(sourceMgr, context, module);
    return mlir::failed(handler.verify()) ? 1 : 0;
  }

  CaretDiagnosticHandler handler(sourceMgr, &context, llvm::errs());
  if (emitKind == EmitKind::AST) {
    std::string ast;
    llvm::raw_string_ostream astStream(ast);
    mlir::OwningOpRef<mlir::ModuleOp> none;
    if (mlir::failed(compileToDialect(sourceMgr, context, none, &astStream)))
      return 1;
    if (!openOutput())
      return 1;
    output->os() << ast;
    return keep(*output, outPath) ? 0 : 1;
  }

  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (mlir::failed(compileToDialect(sourceMgr, context, module)))
    return 1;
  if (emitKind != EmitKind::LDS) {
    PipelineOptions pipeline;
    pipeline.solver = solver;
    pipeline.target = target;
    if (mlir::failed(runModelPipeline(*module, pipeline)))
      return 1;
  }
  if (explain)
    explainModels(*module, llvm::outs());
  if (explainOnly)
    return 0;

  if (emitKind == EmitKind::LDS || emitKind == EmitKind::MLIR) {
    if (!openOutput())
      return 1;
    module->print(output->os(), mlir::OpPrintingFlags());
    return keep(*output, outPath) ? 0 : 1;
  }

  std::vector<ModelInfo> infos = collectModelInfo(*module);
  auto writeHeader = [&](llvm::StringRef path) -> bool {
    std::string err;
    auto file = mlir::openOutputFile(path, &err);
    if (!file) {
      llvm::errs() << "lds-compile: error: " << err << "\n";
      return false;
    }
    emitHeader(infos, sourceDisplayName(llvm::sys::path::filename(inputFile)),
               file->os());
    return keep(*file, path);
  };
  if (emitKind == EmitKind::Header)
    return writeHeader(outPath) ? 0 : 1;
  if (!headerFile.empty() && !writeHeader(headerFile))
    return 1;

  // --emit=ptx: the GPU kernels alone (their build changes the module).
  if (emitKind == EmitKind::PTX) {
    GPUBuild gpuBuild;
    if (!buildGPUKernels(*module, infos, objectOptions.gpu, gpuBuild, error)) {
      llvm::errs() << "lds-compile: error: " << error << "\n";
      return 1;
    }
    if (objectOptions.log)
      for (const std::string &line : gpuBuild.notes)
        objectOptions.log(line);
    if (!openOutput())
      return 1;
    output->os() << gpuBuild.ptx;
    return keep(*output, outPath) ? 0 : 1;
  }

  if (!openOutput())
    return 1;
  if (!emitModelObject(*module, infos, objectOptions,
                       emitKind == EmitKind::LLVM ? ModelObjectFormat::LLVMIR
                                                  : ModelObjectFormat::Object,
                       output->os(), error)) {
    if (!error.empty())
      llvm::errs() << "lds-compile: error: " << error << "\n";
    return 1;
  }
  return keep(*output, outPath) ? 0 : 1;
}
