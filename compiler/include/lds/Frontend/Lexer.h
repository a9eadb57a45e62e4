//===- Lexer.h - .lds lexer -------------------------------------*- C++ -*-===//
//
// Splits a source buffer into tokens on demand. The lexer is byte based:
// columns count bytes, and non-ASCII text is legal only inside comments. It
// reports each lexical error to the DiagnosticEngine once and then returns
// TokenKind::Error forever, so the parser can stop at the first problem. See
// Lexer.cpp for the list of messages.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_FRONTEND_LEXER_H
#define LDS_FRONTEND_LEXER_H

#include "lds/Frontend/Diagnostics.h"
#include "lds/Frontend/Token.h"

#include "llvm/ADT/StringRef.h"

#include <string>

namespace lds {

/// Longest piece of source text quoted in a message; longer text is cut and
/// "..." appended, so a hostile file cannot produce huge messages.
constexpr size_t kMaxQuotedLength = 32;

/// `text` cut to kMaxQuotedLength bytes, with "..." appended when it was cut.
std::string abbreviateForDiag(llvm::StringRef text);

class Lexer {
public:
  Lexer(llvm::StringRef source, DiagnosticEngine &diags);

  /// Returns the next token: TokenKind::Eof at the end of the buffer (again
  /// on every later call), TokenKind::Error after a lexical error (which has
  /// been reported).
  Token lex();

private:
  SourceLoc getLoc(const char *p) const;
  void newLine(const char *afterNewline);
  Token makeToken(TokenKind kind, const char *start);
  Token makeError(const char *at, const llvm::Twine &message);
  /// Skips whitespace and comments; false after reporting an error.
  bool skipTrivia();
  /// Checks the UTF-8 sequence starting at the non-ASCII byte `cur` and steps
  /// over it; false after reporting an error.
  bool skipUTF8Sequence();
  Token lexIdentifier();
  Token lexNumber();
  Token lexUnexpected();

  const char *cur;
  const char *end;
  DiagnosticEngine &diags;
  /// Current line (1-based) and the first byte of that line; columns are
  /// computed from it, so positions cost O(1).
  uint32_t line = 1;
  const char *lineStart;
  bool failed = false;
};

} // namespace lds

#endif // LDS_FRONTEND_LEXER_H
