//===- Driver.cpp - the lds-compile pipeline ------------------------------===//

#include "lds/Compiler/Driver.h"
#include "lds/Compiler/MLIRGen.h"
#include "lds/Frontend/Parser.h"
#include "lds/Frontend/Sema.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace lds;

/// loadSourceFile for what is not a regular file (a pipe, a device): read
/// in chunks up to the limit, as its size is not known (/dev/zero has none).
/// "-" is standard input, named kStdinName in diagnostics.
static unsigned loadStream(llvm::StringRef path, llvm::SourceMgr &sourceMgr,
                           llvm::raw_ostream &errs, llvm::StringRef toolName) {
  bool isStdin = path == "-";
  llvm::Expected<llvm::sys::fs::file_t> file =
      isStdin ? llvm::Expected<llvm::sys::fs::file_t>(
                    llvm::sys::fs::getStdinHandle())
              : llvm::sys::fs::openNativeFileForRead(path);
  if (!file) {
    errs << toolName << ": error: cannot open '" << path
         << "': " << llvm::toString(file.takeError()) << "\n";
    return 0;
  }
  path = sourceDisplayName(path);
  auto close = [&] {
    if (!isStdin)
      llvm::sys::fs::closeFile(*file);
  };
  llvm::SmallVector<char, 0> text;
  char chunk[1 << 16];
  for (;;) {
    llvm::Expected<size_t> got =
        llvm::sys::fs::readNativeFile(*file, llvm::MutableArrayRef(chunk));
    if (!got) {
      errs << toolName << ": error: cannot read '" << path
           << "': " << llvm::toString(got.takeError()) << "\n";
      close();
      return 0;
    }
    if (*got == 0)
      break;
    text.append(chunk, chunk + *got);
    if (text.size() > kMaxSourceBytes) {
      errs << toolName << ": error: '" << path
           << "' is too large (the limit is " << (kMaxSourceBytes >> 20)
           << " MiB)\n";
      close();
      return 0;
    }
  }
  close();
  return sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(text.data(), text.size()), path),
      llvm::SMLoc());
}

unsigned lds::loadSourceFile(llvm::StringRef path, llvm::SourceMgr &sourceMgr,
                             llvm::raw_ostream &errs,
                             llvm::StringRef toolName) {
  if (path == "-")
    return loadStream(path, sourceMgr, errs, toolName);
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status)) {
    errs << toolName << ": error: cannot open '" << path
         << "': " << ec.message() << "\n";
    return 0;
  }
  if (status.type() == llvm::sys::fs::file_type::directory_file) {
    errs << toolName << ": error: '" << path << "' is a directory\n";
    return 0;
  }
  if (status.type() == llvm::sys::fs::file_type::regular_file &&
      status.getSize() > kMaxSourceBytes) {
    errs << toolName << ": error: '" << path << "' is too large ("
         << status.getSize() << " bytes; the limit is "
         << (kMaxSourceBytes >> 20) << " MiB)\n";
    return 0;
  }
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return loadStream(path, sourceMgr, errs, toolName);
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                                   /*RequiresNullTerminator=*/
                                                   true);
  if (std::error_code ec = buffer.getError()) {
    errs << toolName << ": error: cannot read '" << path
         << "': " << ec.message() << "\n";
    return 0;
  }
  if ((*buffer)->getBufferSize() > kMaxSourceBytes) {
    errs << toolName << ": error: '" << path << "' is too large (the limit is "
         << (kMaxSourceBytes >> 20) << " MiB)\n";
    return 0;
  }
  return sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
}

mlir::LogicalResult
lds::compileToDialect(llvm::SourceMgr &sourceMgr, mlir::MLIRContext &context,
                      mlir::OwningOpRef<mlir::ModuleOp> &result,
                      llvm::raw_ostream *astOut, bool promoteToF64) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  mlir::StringAttr file =
      mlir::StringAttr::get(&context, buffer->getBufferIdentifier());

  // Forward front-end diagnostics to MLIR's engine, which prints them with
  // the source line and a caret (or checks them under --verify-diagnostics).
  DiagnosticEngine diags([&](const Diagnostic &d) {
    mlir::Location loc = mlir::FileLineColLoc::get(file, d.loc.line, d.loc.col);
    auto severity = d.severity == Severity::Error
                        ? mlir::DiagnosticSeverity::Error
                        : mlir::DiagnosticSeverity::Note;
    context.getDiagEngine().emit(loc, severity) << d.message;
  });

  std::optional<Module> module = parseModule(buffer->getBuffer(), diags);
  if (!module || !checkModule(*module, diags, promoteToF64))
    return mlir::failure();
  if (astOut) {
    dumpAST(*module, *astOut);
    return mlir::success();
  }
  result = mlirGen(context, *module, file);
  return mlir::verify(*result);
}
