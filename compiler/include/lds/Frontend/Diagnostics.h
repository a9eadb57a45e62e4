//===- Diagnostics.h - front-end diagnostics --------------------*- C++ -*-===//
//
// The front end reports through this small sink so that the lexer, parser and
// checker need no MLIR; the driver forwards each diagnostic to MLIR's engine
// as a FileLineColLoc, which prints `file:line:col: error: ...`, the source
// line and a caret (and which `--verify-diagnostics` checks).
//
//===----------------------------------------------------------------------===//

#ifndef LDS_FRONTEND_DIAGNOSTICS_H
#define LDS_FRONTEND_DIAGNOSTICS_H

#include "llvm/ADT/Twine.h"

#include <cstdint>
#include <functional>
#include <string>

namespace lds {

/// A position in the model source: 1-based line and column (in bytes).
struct SourceLoc {
  uint32_t line = 0;
  uint32_t col = 0;
  bool isValid() const { return line != 0; }
};

enum class Severity { Error, Note };

struct Diagnostic {
  Severity severity;
  SourceLoc loc;
  std::string message;
};

/// Collects diagnostics and hands each to a handler. After `kMaxErrors`
/// errors it reports one "too many errors" error and drops the rest, so a
/// hostile file cannot flood the output.
class DiagnosticEngine {
public:
  static constexpr unsigned kMaxErrors = 20;
  using Handler = std::function<void(const Diagnostic &)>;

  explicit DiagnosticEngine(Handler handler) : handler(std::move(handler)) {}

  void error(SourceLoc loc, const llvm::Twine &message);
  void note(SourceLoc loc, const llvm::Twine &message);

  unsigned getNumErrors() const { return numErrors; }
  bool hasErrors() const { return numErrors != 0; }
  /// True once the error limit was reached; callers may stop early.
  bool isSaturated() const { return numErrors > kMaxErrors; }

private:
  Handler handler;
  unsigned numErrors = 0;
  bool lastErrorDropped = false;
};

} // namespace lds

#endif // LDS_FRONTEND_DIAGNOSTICS_H
