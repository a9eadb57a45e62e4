//===- Parser.h - .lds parser -----------------------------------*- C++ -*-===//

#ifndef LDS_FRONTEND_PARSER_H
#define LDS_FRONTEND_PARSER_H

#include "lds/Frontend/AST.h"

#include "llvm/ADT/StringRef.h"

#include <optional>

namespace lds {

/// Parses a whole .lds source buffer. Lexical and syntax errors go to
/// `diags`; on any error the result is std::nullopt. Never crashes, hangs or
/// recurses without bound, whatever the input.
std::optional<Module> parseModule(llvm::StringRef source,
                                  DiagnosticEngine &diags);

} // namespace lds

#endif // LDS_FRONTEND_PARSER_H
