//===- Diagnostics.cpp - front-end diagnostics ----------------------------===//
//
// Once kMaxErrors errors have been reported, the next error is replaced by a
// single "too many errors; stopping" (at that error's location) and every
// later error and note is dropped: a hostile file cannot flood the output.
//
//===----------------------------------------------------------------------===//

#include "lds/Frontend/Diagnostics.h"

using namespace lds;

void DiagnosticEngine::error(SourceLoc loc, const llvm::Twine &message) {
  if (isSaturated()) {
    lastErrorDropped = true;
    return;
  }
  ++numErrors;
  if (isSaturated()) {
    // Notes that follow belong to the error being replaced; drop them too.
    lastErrorDropped = true;
    if (handler)
      handler(Diagnostic{Severity::Error, loc, "too many errors; stopping"});
    return;
  }
  lastErrorDropped = false;
  if (handler)
    handler(Diagnostic{Severity::Error, loc, message.str()});
}

void DiagnosticEngine::note(SourceLoc loc, const llvm::Twine &message) {
  // A note explains the error before it; without that error it is noise.
  if (lastErrorDropped)
    return;
  if (handler)
    handler(Diagnostic{Severity::Note, loc, message.str()});
}
