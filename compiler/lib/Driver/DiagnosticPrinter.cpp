//===- DiagnosticPrinter.cpp - file:line:col diagnostics with a caret -----===//

#include "lds/Compiler/DiagnosticPrinter.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"

using namespace lds;

CaretDiagnosticHandler::CaretDiagnosticHandler(llvm::SourceMgr &sourceMgr,
                                               mlir::MLIRContext *context,
                                               llvm::raw_ostream &os)
    : sourceMgr(sourceMgr), context(context), os(os) {
  id = context->getDiagEngine().registerHandler([this](mlir::Diagnostic &d) {
    print(d);
    for (mlir::Diagnostic &note : d.getNotes())
      print(note);
    return mlir::success();
  });
}

CaretDiagnosticHandler::~CaretDiagnosticHandler() {
  context->getDiagEngine().eraseHandler(id);
}

static llvm::StringRef severityName(mlir::DiagnosticSeverity s) {
  switch (s) {
  case mlir::DiagnosticSeverity::Error:
    return "error";
  case mlir::DiagnosticSeverity::Warning:
    return "warning";
  case mlir::DiagnosticSeverity::Note:
    return "note";
  case mlir::DiagnosticSeverity::Remark:
    return "remark";
  }
  return "error";
}

void CaretDiagnosticHandler::print(mlir::Diagnostic &diag) {
  auto loc = mlir::dyn_cast<mlir::FileLineColLoc>(diag.getLocation());
  if (!loc) {
    os << "lds-compile: " << severityName(diag.getSeverity()) << ": " << diag
       << "\n";
    return;
  }
  os << loc.getFilename().getValue() << ":" << loc.getLine() << ":"
     << loc.getColumn() << ": " << severityName(diag.getSeverity()) << ": "
     << diag << "\n";

  // The excerpt: the whole line, or a window around the column.
  unsigned buffer = sourceMgr.getMainFileID();
  if (loc.getLine() == 0 || loc.getColumn() == 0 ||
      loc.getFilename() !=
          sourceMgr.getMemoryBuffer(buffer)->getBufferIdentifier())
    return;
  llvm::SMLoc lineStart =
      sourceMgr.FindLocForLineAndColumn(buffer, loc.getLine(), 1);
  if (!lineStart.isValid())
    return;
  llvm::StringRef rest(lineStart.getPointer(),
                       sourceMgr.getMemoryBuffer(buffer)->getBufferEnd() -
                           lineStart.getPointer());
  llvm::StringRef line =
      rest.take_until([](char c) { return c == '\n' || c == '\r'; });
  size_t col = std::min<size_t>(loc.getColumn() - 1, line.size());
  size_t begin = 0, end = line.size();
  if (line.size() > kMaxExcerpt) {
    begin = col > kMaxExcerpt / 2 ? col - kMaxExcerpt / 2 : 0;
    end = std::min(line.size(), begin + kMaxExcerpt);
  }
  std::string prefix = begin > 0 ? "..." : "";
  llvm::StringRef shown = line.slice(begin, end);
  os << prefix << shown << (end < line.size() ? "..." : "") << "\n";
  // Keep tabs under tabs so the caret lines up.
  std::string caret(prefix.size(), ' ');
  for (char c : shown.take_front(col - begin))
    caret += c == '\t' ? '\t' : ' ';
  os << caret << "^\n";
}
