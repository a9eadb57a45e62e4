//===- FrontendFuzzer.cpp - libFuzzer target: .lds text to kernels --------===//
//
// Feeds arbitrary bytes through what lds-compile does before code
// generation: parse, check, lower to the lds dialect, verify, then the lds
// pass pipeline (outline, grads, Jacobian, structure, solver choice,
// kernels) with the verifier after every pass. Diagnostics are swallowed:
// an error is a fine outcome, a crash, a sanitizer report or a hang is not.
//
//===----------------------------------------------------------------------===//

#include "lds/Compiler/Driver.h"
#include "lds/Compiler/Pipeline.h"
#include "lds/Dialect/LDSDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: nothing carries over between inputs.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  context.loadDialect<lds::LDSDialect>();
  context.getDiagEngine().registerHandler(
      [](mlir::Diagnostic &) { return mlir::success(); });

  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "fuzz.lds"),
      llvm::SMLoc());

  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (mlir::failed(lds::compileToDialect(sourceMgr, context, module)))
    return 0;
  lds::PipelineOptions options;
  options.target = "cpu";
  if (mlir::succeeded(lds::runModelPipeline(*module, options)) &&
      mlir::failed(mlir::verify(*module)))
    __builtin_trap(); // the pipeline accepted a module that does not verify
  return 0;
}
