//===- Lexer.cpp - .lds lexer ---------------------------------------------===//
//
// Lexical errors (exact texts; each is reported at the location given, and
// the lexer stops at the first one):
//
//   unterminated block comment
//       a `/*` without a matching `*/`; at the `/*`.
//   invalid UTF-8 byte 0xNN
//       a byte that does not start a well-formed UTF-8 sequence (stray
//       continuation byte, overlong form, surrogate, truncated sequence,
//       0xF5..0xFF), anywhere in the file, comments included; at the first
//       byte of the ill-formed sequence, NN is that byte in uppercase hex.
//   unexpected character 'X'
//       a printable ASCII character that starts no token: `$`, `.`, `'` not
//       right after a name, `!` not followed by `=`, `;`, `"`, ...
//   unexpected character U+XXXX
//       well-formed non-ASCII text outside a comment (at least 4 uppercase
//       hex digits).
//   unexpected byte 0xNN
//       an ASCII control character other than space, tab, CR, LF, FF, VT
//       (NUL, DEL, ...) outside a comment.
//   malformed number 'SPELLING': the exponent has no digits
//       `1e`, `1e+`, `2.5E-`: an exponent marker, optional sign, no digit.
//   malformed number 'SPELLING'
//       a number immediately followed by a letter, `_`, or a second `.`:
//       `3abc`, `1.2.3`, `2_`, `1e5x`; SPELLING is the whole run of
//       [A-Za-z0-9_.] (plus the exponent sign, if any) from the first digit.
//   number 'SPELLING' is out of range
//       a well-formed number whose value overflows a double (`1e999`) or is
//       so small that it would round to zero (`1e-999`).
//
// Every quoted SPELLING is cut to 32 bytes with "..." appended when longer.
//
//===----------------------------------------------------------------------===//

#include "lds/Frontend/Lexer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <charconv>
#include <limits>
#include <system_error>

using namespace lds;

std::string lds::abbreviateForDiag(llvm::StringRef text) {
  if (text.size() <= kMaxQuotedLength)
    return text.str();
  return (text.take_front(kMaxQuotedLength) + "...").str();
}

static bool isIdentStart(unsigned char c) {
  return llvm::isAlpha(c) || c == '_';
}
static bool isIdentChar(unsigned char c) {
  return llvm::isAlnum(c) || c == '_';
}
/// Characters that glue onto a number and make it malformed when they follow
/// it directly.
static bool isNumberJunk(unsigned char c) { return isIdentChar(c) || c == '.'; }
static bool isWhitespace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
         c == '\v';
}

static std::string hexByte(unsigned char c) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "0x" << llvm::format_hex_no_prefix(c, 2, /*Upper=*/true);
  return s;
}

Lexer::Lexer(llvm::StringRef source, DiagnosticEngine &diags)
    : cur(source.begin()), end(source.end()), diags(diags),
      lineStart(source.begin()) {
  // A UTF-8 byte-order mark (some Windows editors write one) is skipped;
  // columns on the first line still count it, as they count bytes.
  if (source.starts_with("\xEF\xBB\xBF"))
    cur += 3;
}

SourceLoc Lexer::getLoc(const char *p) const {
  // Columns are bytes since the start of the line; saturate rather than wrap
  // on absurdly long lines.
  uint64_t col = static_cast<uint64_t>(p - lineStart) + 1;
  uint64_t maxCol = std::numeric_limits<uint32_t>::max();
  return SourceLoc{line, static_cast<uint32_t>(col < maxCol ? col : maxCol)};
}

void Lexer::newLine(const char *afterNewline) {
  if (line != std::numeric_limits<uint32_t>::max())
    ++line;
  lineStart = afterNewline;
}

Token Lexer::makeToken(TokenKind kind, const char *start) {
  Token tok;
  tok.kind = kind;
  tok.loc = getLoc(start);
  tok.text = llvm::StringRef(start, cur - start);
  return tok;
}

Token Lexer::makeError(const char *at, const llvm::Twine &message) {
  Token tok;
  tok.kind = TokenKind::Error;
  tok.loc = getLoc(at);
  if (!failed)
    diags.error(tok.loc, message);
  failed = true;
  return tok;
}

bool Lexer::skipUTF8Sequence() {
  const auto *p = reinterpret_cast<const llvm::UTF8 *>(cur);
  const auto *e = reinterpret_cast<const llvm::UTF8 *>(end);
  // isLegalUTF8Sequence also rejects sequences cut off by the end of the
  // buffer, overlong forms, surrogates and code points above U+10FFFF.
  if (!llvm::isLegalUTF8Sequence(p, e)) {
    makeError(cur, "invalid UTF-8 byte " + hexByte(*p));
    return false;
  }
  cur += llvm::getNumBytesForUTF8(*p);
  return true;
}

bool Lexer::skipTrivia() {
  while (cur != end) {
    unsigned char c = *cur;
    if (c == '\n') {
      ++cur;
      newLine(cur);
      continue;
    }
    if (isWhitespace(c)) {
      ++cur;
      continue;
    }
    if (c == '#') {
      // Line comment: anything but ill-formed UTF-8 up to the newline, which
      // the loop above consumes.
      ++cur;
      while (cur != end && *cur != '\n') {
        if (static_cast<unsigned char>(*cur) < 0x80)
          ++cur;
        else if (!skipUTF8Sequence())
          return false;
      }
      continue;
    }
    if (c == '/' && cur + 1 != end && cur[1] == '*') {
      const char *start = cur;
      SourceLoc startLoc = getLoc(start);
      cur += 2;
      bool closed = false;
      while (cur != end) {
        unsigned char b = *cur;
        if (b == '*' && cur + 1 != end && cur[1] == '/') {
          cur += 2;
          closed = true;
          break;
        }
        if (b == '\n') {
          ++cur;
          newLine(cur);
        } else if (b < 0x80) {
          ++cur;
        } else if (!skipUTF8Sequence()) {
          return false;
        }
      }
      if (!closed) {
        // Reported at the `/*`, which may lie on an earlier line than `cur`.
        if (!failed)
          diags.error(startLoc, "unterminated block comment");
        failed = true;
        return false;
      }
      continue;
    }
    return true;
  }
  return true;
}

Token Lexer::lex() {
  if (failed) {
    Token tok;
    tok.kind = TokenKind::Error;
    tok.loc = getLoc(cur);
    return tok;
  }
  if (!skipTrivia()) {
    Token tok;
    tok.kind = TokenKind::Error;
    tok.loc = getLoc(cur);
    return tok;
  }
  if (cur == end)
    return makeToken(TokenKind::Eof, cur);

  const char *start = cur;
  unsigned char c = *cur;
  if (isIdentStart(c))
    return lexIdentifier();
  if (llvm::isDigit(c))
    return lexNumber();

  auto single = [&](TokenKind kind) {
    ++cur;
    return makeToken(kind, start);
  };
  // A one- or two-character operator: `second` extends `first` to `two`.
  auto maybeTwo = [&](char second, TokenKind two, TokenKind one) {
    ++cur;
    if (cur != end && *cur == second) {
      ++cur;
      return makeToken(two, start);
    }
    return makeToken(one, start);
  };
  switch (c) {
  case '{':
    return single(TokenKind::LBrace);
  case '}':
    return single(TokenKind::RBrace);
  case '(':
    return single(TokenKind::LParen);
  case ')':
    return single(TokenKind::RParen);
  case '[':
    return single(TokenKind::LBracket);
  case ']':
    return single(TokenKind::RBracket);
  case ',':
    return single(TokenKind::Comma);
  case ':':
    return single(TokenKind::Colon);
  case '+':
    return single(TokenKind::Plus);
  case '-':
    return single(TokenKind::Minus);
  case '*':
    return single(TokenKind::Star);
  case '/':
    return single(TokenKind::Slash);
  case '@':
    return single(TokenKind::At);
  case '<':
    return maybeTwo('=', TokenKind::LessEqual, TokenKind::Less);
  case '>':
    return maybeTwo('=', TokenKind::GreaterEqual, TokenKind::Greater);
  case '=':
    return maybeTwo('=', TokenKind::EqualEqual, TokenKind::Equal);
  case '!':
    if (cur + 1 != end && cur[1] == '=') {
      cur += 2;
      return makeToken(TokenKind::NotEqual, start);
    }
    break;
  default:
    break;
  }
  return lexUnexpected();
}

Token Lexer::lexIdentifier() {
  const char *start = cur;
  while (cur != end && isIdentChar(*cur))
    ++cur;
  llvm::StringRef name(start, cur - start);
  if (cur != end && *cur == '\'') {
    // `h'` names the next value of state h; the token's text is the bare
    // name. This wins over keywords so that `state'` reads as one token and
    // fails in Sema with a clear message.
    Token tok = makeToken(TokenKind::NextName, start);
    ++cur;
    tok.text = name;
    return tok;
  }
  TokenKind kind = llvm::StringSwitch<TokenKind>(name)
                       .Case("model", TokenKind::KwModel)
                       .Case("state", TokenKind::KwState)
                       .Case("input", TokenKind::KwInput)
                       .Case("param", TokenKind::KwParam)
                       .Case("const", TokenKind::KwConst)
                       .Case("let", TokenKind::KwLet)
                       .Default(TokenKind::Ident);
  return makeToken(kind, start);
}

Token Lexer::lexNumber() {
  // NUMBER := digits ('.' digits*)? ([eE] [+-]? digits)?
  const char *start = cur;
  bool isInteger = true;
  while (cur != end && llvm::isDigit(*cur))
    ++cur;
  if (cur != end && *cur == '.') {
    isInteger = false;
    ++cur;
    while (cur != end && llvm::isDigit(*cur))
      ++cur;
  }
  bool exponentWithoutDigits = false;
  if (cur != end && (*cur == 'e' || *cur == 'E')) {
    isInteger = false;
    ++cur;
    if (cur != end && (*cur == '+' || *cur == '-'))
      ++cur;
    if (cur == end || !llvm::isDigit(*cur))
      exponentWithoutDigits = true;
    while (cur != end && llvm::isDigit(*cur))
      ++cur;
  }
  // Letters, `_` or another `.` glued to the number make the whole run one
  // bad literal (rather than, say, `3` followed by the name `abc`).
  const char *wellFormedEnd = cur;
  while (cur != end && isNumberJunk(*cur))
    ++cur;
  llvm::StringRef spelling(start, cur - start);
  if (cur != wellFormedEnd)
    return makeError(start,
                     "malformed number '" + abbreviateForDiag(spelling) + "'");
  if (exponentWithoutDigits)
    return makeError(start, "malformed number '" + abbreviateForDiag(spelling) +
                                "': the exponent has no digits");

  // std::from_chars is locale independent, correctly rounded, and linear
  // even in absurdly long digit strings.
  double value = 0;
  std::from_chars_result result = std::from_chars(start, cur, value);
  if (result.ec != std::errc() || result.ptr != cur)
    return makeError(start, "number '" + abbreviateForDiag(spelling) +
                                "' is out of range");
  Token tok = makeToken(TokenKind::Number, start);
  tok.numberValue = value;
  tok.isInteger = isInteger;
  return tok;
}

Token Lexer::lexUnexpected() {
  unsigned char c = *cur;
  if (c >= 0x80) {
    const char *start = cur;
    if (!skipUTF8Sequence())
      return Token{TokenKind::Error, getLoc(start), {}, 0, false};
    // Well-formed, so decoding cannot fail.
    const auto *src = reinterpret_cast<const llvm::UTF8 *>(start);
    llvm::UTF32 codePoint = 0;
    llvm::UTF32 *target = &codePoint;
    llvm::ConvertUTF8toUTF32(&src, reinterpret_cast<const llvm::UTF8 *>(cur),
                             &target, target + 1, llvm::strictConversion);
    cur = start;
    std::string msg;
    llvm::raw_string_ostream os(msg);
    os << "unexpected character U+"
       << llvm::format_hex_no_prefix(codePoint, 4, /*Upper=*/true);
    return makeError(start, msg);
  }
  if (c > 0x20 && c < 0x7F)
    return makeError(cur, llvm::Twine("unexpected character '") +
                              llvm::Twine(static_cast<char>(c)) + "'");
  return makeError(cur, "unexpected byte " + hexByte(c));
}
