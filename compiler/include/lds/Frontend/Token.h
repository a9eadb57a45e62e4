//===- Token.h - tokens of the .lds language --------------------*- C++ -*-===//
//
// The lexer hands the parser one token at a time. A token refers to the source
// buffer (no copies), so the buffer must outlive the tokens.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_FRONTEND_TOKEN_H
#define LDS_FRONTEND_TOKEN_H

#include "lds/Frontend/Diagnostics.h"

#include "llvm/ADT/StringRef.h"

namespace lds {

enum class TokenKind {
  Eof,
  /// A lexical error; the lexer has already reported it.
  Error,
  Ident,
  /// `h'`: an identifier immediately followed by `'`.
  NextName,
  Number,

  // Keywords.
  KwModel,
  KwState,
  KwInput,
  KwParam,
  KwConst,
  KwLet,

  // Punctuation and operators.
  LBrace,       // {
  RBrace,       // }
  LParen,       // (
  RParen,       // )
  LBracket,     // [
  RBracket,     // ]
  Comma,        // ,
  Colon,        // :
  Equal,        // =
  Plus,         // +
  Minus,        // -
  Star,         // *
  Slash,        // /
  At,           // @
  Less,         // <
  LessEqual,    // <=
  Greater,      // >
  GreaterEqual, // >=
  EqualEqual,   // ==
  NotEqual,     // !=
};

struct Token {
  TokenKind kind = TokenKind::Eof;
  /// Where the token starts (for a NextName: where the name starts).
  SourceLoc loc;
  /// The spelling in the source. For a NextName it is the bare name, without
  /// the `'`.
  llvm::StringRef text;
  /// For a Number: its value, and whether it was written without a fraction
  /// or an exponent.
  double numberValue = 0;
  bool isInteger = false;

  bool is(TokenKind k) const { return kind == k; }
  bool isNot(TokenKind k) const { return kind != k; }
  bool isKeyword() const {
    return kind >= TokenKind::KwModel && kind <= TokenKind::KwLet;
  }
};

} // namespace lds

#endif // LDS_FRONTEND_TOKEN_H
