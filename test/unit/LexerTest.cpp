//===- LexerTest.cpp - unit tests of the .lds lexer -----------------------===//
//
// Token kinds, values and 1-based byte locations, and every lexical error
// message with its location.
//
//===----------------------------------------------------------------------===//

#include "lds/Frontend/Lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace lds;

namespace {

struct LexResult {
  std::vector<Token> tokens; // up to and including Eof or Error
  std::vector<Diagnostic> diags;
};

LexResult lexAll(llvm::StringRef source) {
  LexResult r;
  DiagnosticEngine engine([&](const Diagnostic &d) { r.diags.push_back(d); });
  Lexer lexer(source, engine);
  while (true) {
    Token t = lexer.lex();
    r.tokens.push_back(t);
    if (t.is(TokenKind::Eof) || t.is(TokenKind::Error))
      break;
  }
  return r;
}

std::vector<TokenKind> kinds(const LexResult &r) {
  std::vector<TokenKind> k;
  for (const Token &t : r.tokens)
    k.push_back(t.kind);
  return k;
}

/// Lexes `source`, which must fail with exactly one error: `message` at
/// line:col.
void expectError(llvm::StringRef source, llvm::StringRef message, uint32_t line,
                 uint32_t col) {
  LexResult r = lexAll(source);
  SCOPED_TRACE(source.str());
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].severity, Severity::Error);
  EXPECT_EQ(r.diags[0].message, message.str());
  EXPECT_EQ(r.diags[0].loc.line, line);
  EXPECT_EQ(r.diags[0].loc.col, col);
  EXPECT_TRUE(r.tokens.back().is(TokenKind::Error));
}

TEST(LexerTest, EmptyAndTrivia) {
  LexResult r = lexAll("");
  ASSERT_EQ(r.tokens.size(), 1u);
  EXPECT_TRUE(r.tokens[0].is(TokenKind::Eof));
  EXPECT_EQ(r.tokens[0].loc.line, 1u);
  EXPECT_EQ(r.tokens[0].loc.col, 1u);

  r = lexAll("  # comment — with UTF-8\n/* block\n comment é */\t\r\n  ");
  ASSERT_EQ(r.tokens.size(), 1u);
  EXPECT_TRUE(r.diags.empty());
  EXPECT_TRUE(r.tokens[0].is(TokenKind::Eof));
  EXPECT_EQ(r.tokens[0].loc.line, 4u);
  EXPECT_EQ(r.tokens[0].loc.col, 3u);
}

TEST(LexerTest, KeywordsIdentifiersAndNextNames) {
  LexResult r = lexAll("model state input param const let f32 _x1 h' "
                       "models h'' ");
  EXPECT_TRUE(r.diags.size() == 1); // the stray second '
  std::vector<TokenKind> expected = {
      TokenKind::KwModel, TokenKind::KwState,  TokenKind::KwInput,
      TokenKind::KwParam, TokenKind::KwConst,  TokenKind::KwLet,
      TokenKind::Ident,   TokenKind::Ident,    TokenKind::NextName,
      TokenKind::Ident,   TokenKind::NextName, TokenKind::Error};
  EXPECT_EQ(kinds(r), expected);
  EXPECT_EQ(r.tokens[6].text, "f32");
  EXPECT_EQ(r.tokens[7].text, "_x1");
  EXPECT_EQ(r.tokens[8].text, "h");
  EXPECT_EQ(r.tokens[8].loc.col, 43u);
  EXPECT_EQ(r.tokens[9].text, "models");
  EXPECT_EQ(r.diags[0].message, "unexpected character '''");
  EXPECT_EQ(r.diags[0].loc.col, 55u);
}

TEST(LexerTest, Punctuation) {
  LexResult r = lexAll("{}()[],:=+-*/@< <= > >= == != <==");
  EXPECT_TRUE(r.diags.empty());
  std::vector<TokenKind> expected = {
      TokenKind::LBrace,     TokenKind::RBrace,   TokenKind::LParen,
      TokenKind::RParen,     TokenKind::LBracket, TokenKind::RBracket,
      TokenKind::Comma,      TokenKind::Colon,    TokenKind::Equal,
      TokenKind::Plus,       TokenKind::Minus,    TokenKind::Star,
      TokenKind::Slash,      TokenKind::At,       TokenKind::Less,
      TokenKind::LessEqual,  TokenKind::Greater,  TokenKind::GreaterEqual,
      TokenKind::EqualEqual, TokenKind::NotEqual, TokenKind::LessEqual,
      TokenKind::Equal,      TokenKind::Eof};
  EXPECT_EQ(kinds(r), expected);
  EXPECT_EQ(r.tokens[15].text, "<=");
  EXPECT_EQ(r.tokens[15].loc.col, 17u);
}

TEST(LexerTest, Numbers) {
  LexResult r = lexAll("0 42 007 1.5 2. 3.e2 1e3 2.5E-2 4e+1 "
                       "1.7976931348623157e308 1e-310");
  ASSERT_TRUE(r.diags.empty());
  struct {
    double value;
    bool isInteger;
    const char *text;
  } expected[] = {{0, true, "0"},
                  {42, true, "42"},
                  {7, true, "007"},
                  {1.5, false, "1.5"},
                  {2, false, "2."},
                  {300, false, "3.e2"},
                  {1000, false, "1e3"},
                  {0.025, false, "2.5E-2"},
                  {40, false, "4e+1"},
                  {1.7976931348623157e308, false, "1.7976931348623157e308"},
                  {1e-310, false, "1e-310"}};
  ASSERT_EQ(r.tokens.size(), std::size(expected) + 1);
  for (size_t i = 0; i < std::size(expected); ++i) {
    SCOPED_TRACE(expected[i].text);
    EXPECT_TRUE(r.tokens[i].is(TokenKind::Number));
    EXPECT_EQ(r.tokens[i].numberValue, expected[i].value);
    EXPECT_EQ(r.tokens[i].isInteger, expected[i].isInteger);
    EXPECT_EQ(r.tokens[i].text, expected[i].text);
  }
  // A number followed by an operator or bracket is fine.
  r = lexAll("1+2]3)");
  EXPECT_TRUE(r.diags.empty());
  EXPECT_EQ(r.tokens.size(), 7u);
}

TEST(LexerTest, Locations) {
  LexResult r = lexAll("model m {\n  state h : f32[8]\n\n\th' = h\n}");
  ASSERT_TRUE(r.diags.empty());
  auto at = [&](size_t i, uint32_t line, uint32_t col) {
    SCOPED_TRACE(i);
    EXPECT_EQ(r.tokens[i].loc.line, line);
    EXPECT_EQ(r.tokens[i].loc.col, col);
  };
  at(0, 1, 1);  // model
  at(1, 1, 7);  // m
  at(2, 1, 9);  // {
  at(3, 2, 3);  // state
  at(4, 2, 9);  // h
  at(5, 2, 11); // :
  at(6, 2, 13); // f32
  at(7, 2, 16); // [
  at(8, 2, 17); // 8
  at(9, 2, 18); // ]
  at(10, 4, 2); // h'
  at(11, 4, 5); // =
  at(12, 4, 7); // h
  at(13, 5, 1); // }
  at(14, 5, 2); // eof
  // Columns count bytes: the two-byte é in the comment shifts `x` by 2.
  r = lexAll("/* é */ x");
  ASSERT_TRUE(r.diags.empty());
  EXPECT_EQ(r.tokens[0].loc.col, 10u);
  // Block comments spanning lines keep the line count.
  r = lexAll("/*\n\n*/  x");
  EXPECT_EQ(r.tokens[0].loc.line, 3u);
  EXPECT_EQ(r.tokens[0].loc.col, 5u);
}

TEST(LexerTest, CommentErrors) {
  expectError("x\n  /* never closed", "unterminated block comment", 2, 3);
  expectError("/* a\n b \n", "unterminated block comment", 1, 1);
  expectError("/*/", "unterminated block comment", 1, 1);
  // `*/` outside a comment is just two operators; `/ *` too.
  LexResult r = lexAll("*/ / *");
  EXPECT_TRUE(r.diags.empty());
  EXPECT_EQ(r.tokens.size(), 5u);
}

TEST(LexerTest, InvalidUTF8) {
  expectError("x \xFF", "invalid UTF-8 byte 0xFF", 1, 3);
  expectError("# comment \x80 here", "invalid UTF-8 byte 0x80", 1, 11);
  expectError("/* \n ab\xC3\x28 */", "invalid UTF-8 byte 0xC3", 2, 4);
  expectError("# overlong \xC0\xAF", "invalid UTF-8 byte 0xC0", 1, 12);
  expectError("# surrogate \xED\xA0\x80", "invalid UTF-8 byte 0xED", 1, 13);
  expectError("# truncated \xE2\x80", "invalid UTF-8 byte 0xE2", 1, 13);
  expectError("# too big \xF4\x90\x80\x80", "invalid UTF-8 byte 0xF4", 1, 11);
  expectError("a\n\xF8\x88\x80\x80\x80", "invalid UTF-8 byte 0xF8", 2, 1);
  // Well-formed four-byte sequences are fine in comments.
  LexResult r = lexAll("# \xF0\x9F\x98\x80 ok\nx");
  EXPECT_TRUE(r.diags.empty());
  EXPECT_EQ(r.tokens[0].loc.line, 2u);
}

TEST(LexerTest, ByteOrderMark) {
  LexResult r = lexAll("\xEF\xBB\xBFmodel m");
  EXPECT_TRUE(r.diags.empty());
  ASSERT_GE(r.tokens.size(), 2u);
  EXPECT_EQ(r.tokens[0].kind, TokenKind::KwModel);
  EXPECT_EQ(r.tokens[0].loc.line, 1u);
  EXPECT_EQ(r.tokens[0].loc.col, 4u); // columns count bytes
}

TEST(LexerTest, UnexpectedCharacters) {
  expectError("a $", "unexpected character '$'", 1, 3);
  expectError("a.b", "unexpected character '.'", 1, 2);
  expectError(".5", "unexpected character '.'", 1, 1);
  expectError("'", "unexpected character '''", 1, 1);
  expectError("x !y", "unexpected character '!'", 1, 3);
  expectError("x;", "unexpected character ';'", 1, 2);
  expectError(llvm::StringRef("ab\0c", 4), "unexpected byte 0x00", 1, 3);
  expectError("\x7F", "unexpected byte 0x7F", 1, 1);
  expectError("\n\x1B", "unexpected byte 0x1B", 2, 1);
  expectError("x = \xC3\xA9", "unexpected character U+00E9", 1, 5);
  expectError("\xE2\x80\x94", "unexpected character U+2014", 1, 1);
  // A byte-order mark is skipped at the start only.
  expectError("x \xEF\xBB\xBF", "unexpected character U+FEFF", 1, 3);
  expectError("  \xF0\x9F\x98\x80", "unexpected character U+1F600", 1, 3);
}

TEST(LexerTest, MalformedNumbers) {
  expectError("1e", "malformed number '1e': the exponent has no digits", 1, 1);
  expectError("x 1e+", "malformed number '1e+': the exponent has no digits", 1,
              3);
  expectError("2.5E- 3", "malformed number '2.5E-': the exponent has no digits",
              1, 1);
  expectError("3abc", "malformed number '3abc'", 1, 1);
  expectError("1.2.3", "malformed number '1.2.3'", 1, 1);
  expectError("1..2", "malformed number '1..2'", 1, 1);
  expectError("2_", "malformed number '2_'", 1, 1);
  expectError("1e5x", "malformed number '1e5x'", 1, 1);
  expectError("1ex", "malformed number '1ex'", 1, 1);
  expectError("1e+x", "malformed number '1e+x'", 1, 1);
  std::string longRun = "1" + std::string(100, 'a');
  expectError(longRun, "malformed number '" + longRun.substr(0, 32) + "...'", 1,
              1);
}

TEST(LexerTest, NumbersOutOfRange) {
  expectError("a 1e999", "number '1e999' is out of range", 1, 3);
  expectError("1e-999", "number '1e-999' is out of range", 1, 1);
  expectError("1.7976931348623159e308",
              "number '1.7976931348623159e308' is out of range", 1, 1);
  std::string huge(400, '9');
  expectError(huge, "number '" + huge.substr(0, 32) + "...' is out of range", 1,
              1);
  // Zero with a huge exponent is still zero, not out of range.
  LexResult r = lexAll("0e999");
  EXPECT_TRUE(r.diags.empty());
}

TEST(LexerTest, ErrorIsSticky) {
  DiagnosticEngine engine([](const Diagnostic &) {});
  Lexer lexer("$ x", engine);
  EXPECT_TRUE(lexer.lex().is(TokenKind::Error));
  EXPECT_TRUE(lexer.lex().is(TokenKind::Error));
  EXPECT_EQ(engine.getNumErrors(), 1u);
}

TEST(LexerTest, EofIsSticky) {
  DiagnosticEngine engine([](const Diagnostic &) {});
  Lexer lexer("x", engine);
  EXPECT_TRUE(lexer.lex().is(TokenKind::Ident));
  EXPECT_TRUE(lexer.lex().is(TokenKind::Eof));
  EXPECT_TRUE(lexer.lex().is(TokenKind::Eof));
}

TEST(LexerTest, AbbreviateForDiag) {
  EXPECT_EQ(abbreviateForDiag("abc"), "abc");
  EXPECT_EQ(abbreviateForDiag(std::string(32, 'x')), std::string(32, 'x'));
  EXPECT_EQ(abbreviateForDiag(std::string(33, 'x')),
            std::string(32, 'x') + "...");
}

TEST(LexerTest, LongInputsAreLinear) {
  // 20 MB of comment, one long identifier and one long number: each must
  // take a single pass.
  std::string src = "# " + std::string(20'000'000, 'c') + "\n" +
                    std::string(5'000'000, 'a') + " " +
                    std::string(5'000'000, '0') + "1 x";
  LexResult r = lexAll(src);
  ASSERT_TRUE(r.diags.empty());
  ASSERT_EQ(r.tokens.size(), 4u);
  EXPECT_EQ(r.tokens[0].text.size(), 5'000'000u);
  EXPECT_EQ(r.tokens[1].numberValue, 1.0);
  EXPECT_EQ(r.tokens[2].loc.line, 2u);
  EXPECT_EQ(r.tokens[2].loc.col, 10'000'004u);
}

TEST(DiagnosticsTest, ErrorLimit) {
  std::vector<Diagnostic> diags;
  DiagnosticEngine engine([&](const Diagnostic &d) { diags.push_back(d); });
  engine.note(SourceLoc{1, 1}, "a note before any error");
  for (unsigned i = 0; i < 30; ++i) {
    engine.error(SourceLoc{i + 1, 1}, "error " + llvm::Twine(i));
    engine.note(SourceLoc{i + 1, 2}, "note " + llvm::Twine(i));
  }
  // 1 note + 20 errors with their notes + the "too many errors" error.
  ASSERT_EQ(diags.size(), 1u + 2 * 20 + 1);
  EXPECT_EQ(diags[39].message, "error 19");
  EXPECT_EQ(diags[40].message, "note 19");
  EXPECT_EQ(diags[41].message, "too many errors; stopping");
  EXPECT_EQ(diags[41].severity, Severity::Error);
  EXPECT_EQ(diags[41].loc.line, 21u);
  EXPECT_TRUE(engine.isSaturated());
  EXPECT_TRUE(engine.hasErrors());
}

} // namespace
