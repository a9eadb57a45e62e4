//===- Parser.cpp - .lds recursive-descent parser -------------------------===//
//
// Syntax errors (exact texts). The parser stops at the first lexical or syntax
// error (see Lexer.cpp for the lexical ones) and reports it once. FOUND
// describes the offending token: `end of file`, or the token's spelling in
// single quotes (`')'`, `'x'`, `'3.5'`, `'state'`, `'h''`), cut to 32 bytes
// with "..." appended. Unless said otherwise an error is at that token.
//
//   empty file: expected a model
//       the file holds no token (only whitespace and comments); at 1:1.
//   expected 'model', found FOUND
//       the file, or the text after a model's closing '}', does not start
//       with `model`.
//   expected model name after 'model', found FOUND
//   expected '{' after the model name, found FOUND
//   expected 'state', 'input', 'param', 'const', 'let', a next-state
//   equation (NAME' = ...) or '}', found FOUND                 (one line)
//       a model body item starts with anything else (e.g. `h = ...` without
//       the prime, or a second expression after a complete one).
//   expected '}' at the end of model 'NAME'
//       end of file inside a model body; at the end of the file, followed by
//       the note "to match this '{'" at the model's '{'.
//   expected a name after 'KW', found FOUND
//       KW is state, input, param, const or let.
//   expected ':' after the KW name, found FOUND
//       KW is state, input or param.
//   expected '=' after the KW name, found FOUND
//       KW is const or let.
//   expected '=' after the next-state name, found FOUND
//       `h'` not followed by `=`.
//   expected a type (f32, f64 or i32), found FOUND
//   expected a dimension (an integer or an integer const name), found FOUND
//       inside `[...]` of a type (`f32[]`, `f32[2.5]`, `f32[-1]`, ...).
//   dimension 'SPELLING' is too large
//       an integer dimension above 2^53 (not exactly representable).
//   expected ']' after the dimensions, found FOUND
//       followed by the note "to match this '['" at the type's '['.
//   expected an expression, found FOUND
//   expected ')', found FOUND
//       after a parenthesised expression; followed by the note
//       "to match this '('" at the '('.
//   expected ',' or ')' in the argument list, found FOUND
//       in a call; followed by the note "to match this '('" at the call's
//       '('.
//   expected ']', found FOUND
//       after a subscript (`v[i`, `v[a:b`, `v[a b]`); followed by the note
//       "to match this '['" at the '['.
//   comparisons cannot be chained; use parentheses
//       at the second comparison operator of `a < b < c`.
//   expression is nested too deeply (the limit is 256 levels)
//       at the first token that would take the expression tree deeper than
//       kMaxExprDepth levels (see below).
//
// Depth. Every expression node is one level and so is each pair of
// parentheses; a name or number alone is 1 level, `-x` and `(x)` are 2,
// `a+b+c` is 3 (the tree is ((a+b)+c)). The parser passes down how many
// levels lie above the expression being parsed and tracks the height of what
// it has built, so the left-associative chains, which it builds in a loop,
// are bounded as well as the recursive forms: at most 255 parentheses or
// unary minuses around a name, at most 256 terms in `a+a+...`. This bounds
// both the tree (every later walk may recurse) and the parser's own
// recursion (a few frames per level).
//
//===----------------------------------------------------------------------===//

#include "lds/Frontend/Parser.h"
#include "lds/Frontend/Lexer.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>

using namespace lds;

namespace {

/// An expression and the height of its tree (parentheses count one level).
/// A null `expr` means an error has been reported.
struct Parsed {
  ExprPtr expr;
  unsigned height = 0;
};

/// Integer dimensions above this are not exact in the double a NUMBER token
/// carries.
constexpr double kMaxDimension = 9007199254740992.0; // 2^53

class Parser {
public:
  Parser(llvm::StringRef source, DiagnosticEngine &diags)
      : lexer(source, diags), diags(diags) {
    advance();
  }

  std::optional<Module> parseFile();

private:
  void advance() {
    tok = lexer.lex();
    // The lexer has reported the problem; stop without a second message.
    if (tok.is(TokenKind::Error))
      failed = true;
  }

  /// Reports `message` unless an error was reported already; returns whether
  /// it did, so that the caller attaches its note only to its own error.
  bool error(SourceLoc loc, const llvm::Twine &message) {
    if (failed)
      return false;
    failed = true;
    diags.error(loc, message);
    return true;
  }

  static std::string describe(const Token &t) {
    if (t.is(TokenKind::Eof))
      return "end of file";
    std::string spelling = t.text.str();
    if (t.is(TokenKind::NextName))
      spelling += '\'';
    return "'" + abbreviateForDiag(spelling) + "'";
  }

  /// "WHAT, found FOUND" at the current token.
  bool errorExpected(const llvm::Twine &what) {
    return error(tok.loc, what + ", found " + describe(tok));
  }

  void errorTooDeep(SourceLoc loc) {
    error(loc, llvm::Twine("expression is nested too deeply (the limit is ") +
                   llvm::Twine(kMaxExprDepth) + " levels)");
  }

  bool parseModel(Module &module);
  bool parseDecl(Model &model);
  bool parseDeclHead(Decl &decl, TokenKind punct, llvm::StringRef spelling);
  bool parseTypeSpec(TypeSpec &spec);

  // Each takes `depth`, the number of levels above the expression it parses,
  // and returns a tree whose height h satisfies depth + h <= kMaxExprDepth.
  Parsed parseExpr(unsigned depth);
  Parsed parseAdditive(unsigned depth);
  Parsed parseMultiplicative(unsigned depth);
  Parsed parseUnary(unsigned depth);
  Parsed parsePostfix(unsigned depth);
  Parsed parsePrimary(unsigned depth);
  Parsed parseCall(unsigned depth);

  /// Builds `lhs op rhs` for the left-associative loops: checks the new
  /// node's height before parsing the right operand with `parseRhs`.
  template <typename ParseFn>
  Parsed parseBinaryRhs(unsigned depth, Parsed lhs, BinaryOp op,
                        ParseFn parseRhs);

  Lexer lexer;
  DiagnosticEngine &diags;
  Token tok;
  bool failed = false;
};

} // namespace

std::optional<Module> Parser::parseFile() {
  if (tok.is(TokenKind::Eof)) {
    error(SourceLoc{1, 1}, "empty file: expected a model");
    return std::nullopt;
  }
  Module module;
  while (!failed && !tok.is(TokenKind::Eof)) {
    if (!tok.is(TokenKind::KwModel)) {
      errorExpected("expected 'model'");
      return std::nullopt;
    }
    if (!parseModel(module))
      return std::nullopt;
  }
  if (failed)
    return std::nullopt;
  return module;
}

bool Parser::parseModel(Module &module) {
  advance(); // 'model'
  if (!tok.is(TokenKind::Ident)) {
    errorExpected("expected model name after 'model'");
    return false;
  }
  Model model;
  model.loc = tok.loc;
  model.name = tok.text.str();
  advance();
  if (!tok.is(TokenKind::LBrace)) {
    errorExpected("expected '{' after the model name");
    return false;
  }
  SourceLoc lbrace = tok.loc;
  advance();
  while (!failed) {
    if (tok.is(TokenKind::RBrace)) {
      advance();
      break;
    }
    if (tok.is(TokenKind::Eof)) {
      if (error(tok.loc, "expected '}' at the end of model '" +
                             abbreviateForDiag(model.name) + "'"))
        diags.note(lbrace, "to match this '{'");
      return false;
    }
    if (!parseDecl(model))
      return false;
  }
  if (failed)
    return false;
  module.models.push_back(std::move(model));
  return true;
}

/// `KEYWORD NAME PUNCT` of a declaration: sets the name and its location and
/// consumes all three tokens.
bool Parser::parseDeclHead(Decl &decl, TokenKind punct,
                           llvm::StringRef spelling) {
  llvm::StringRef keyword = tok.text;
  advance();
  if (!tok.is(TokenKind::Ident)) {
    errorExpected("expected a name after '" + keyword + "'");
    return false;
  }
  decl.loc = tok.loc;
  decl.name = tok.text.str();
  advance();
  if (!tok.is(punct)) {
    errorExpected("expected " + spelling + " after the " + keyword + " name");
    return false;
  }
  advance();
  return true;
}

bool Parser::parseDecl(Model &model) {
  Decl decl;
  switch (tok.kind) {
  case TokenKind::KwState:
  case TokenKind::KwInput:
  case TokenKind::KwParam: {
    decl.kind = tok.is(TokenKind::KwState)   ? Decl::Kind::State
                : tok.is(TokenKind::KwInput) ? Decl::Kind::Input
                                             : Decl::Kind::Param;
    if (!parseDeclHead(decl, TokenKind::Colon, "':'"))
      return false;
    TypeSpec spec;
    if (!parseTypeSpec(spec))
      return false;
    decl.typeSpec = std::move(spec);
    break;
  }
  case TokenKind::KwConst:
  case TokenKind::KwLet: {
    decl.kind =
        tok.is(TokenKind::KwConst) ? Decl::Kind::Const : Decl::Kind::Let;
    if (!parseDeclHead(decl, TokenKind::Equal, "'='"))
      return false;
    Parsed value = parseExpr(0);
    if (!value.expr)
      return false;
    decl.value = std::move(value.expr);
    break;
  }
  case TokenKind::NextName: {
    decl.kind = Decl::Kind::Next;
    decl.loc = tok.loc;
    decl.name = tok.text.str();
    advance();
    if (!tok.is(TokenKind::Equal)) {
      errorExpected("expected '=' after the next-state name");
      return false;
    }
    advance();
    Parsed value = parseExpr(0);
    if (!value.expr)
      return false;
    decl.value = std::move(value.expr);
    break;
  }
  default:
    errorExpected("expected 'state', 'input', 'param', 'const', 'let', a "
                  "next-state equation (NAME' = ...) or '}'");
    return false;
  }
  if (failed)
    return false;
  model.decls.push_back(std::move(decl));
  return true;
}

bool Parser::parseTypeSpec(TypeSpec &spec) {
  std::optional<ElemType> elem;
  if (tok.is(TokenKind::Ident))
    elem = llvm::StringSwitch<std::optional<ElemType>>(tok.text)
               .Case("f32", ElemType::F32)
               .Case("f64", ElemType::F64)
               .Case("i32", ElemType::I32)
               .Default(std::nullopt);
  if (!elem) {
    errorExpected("expected a type (f32, f64 or i32)");
    return false;
  }
  spec.loc = tok.loc;
  spec.elem = *elem;
  advance();
  if (!tok.is(TokenKind::LBracket))
    return !failed;
  SourceLoc lbracket = tok.loc;
  advance();
  while (!failed) {
    DimSpec dim;
    dim.loc = tok.loc;
    if (tok.is(TokenKind::Number) && tok.isInteger) {
      if (tok.numberValue > kMaxDimension) {
        error(tok.loc,
              "dimension '" + abbreviateForDiag(tok.text) + "' is too large");
        return false;
      }
      dim.value = static_cast<int64_t>(tok.numberValue);
    } else if (tok.is(TokenKind::Ident)) {
      dim.name = tok.text.str();
    } else {
      errorExpected(
          "expected a dimension (an integer or an integer const name)");
      return false;
    }
    spec.dims.push_back(std::move(dim));
    advance();
    if (tok.is(TokenKind::Comma)) {
      advance();
      continue;
    }
    if (tok.is(TokenKind::RBracket)) {
      advance();
      return !failed;
    }
    if (errorExpected("expected ']' after the dimensions"))
      diags.note(lbracket, "to match this '['");
    return false;
  }
  return false;
}

static std::optional<BinaryOp> getComparisonOp(TokenKind kind) {
  switch (kind) {
  case TokenKind::Less:
    return BinaryOp::Lt;
  case TokenKind::LessEqual:
    return BinaryOp::Le;
  case TokenKind::Greater:
    return BinaryOp::Gt;
  case TokenKind::GreaterEqual:
    return BinaryOp::Ge;
  case TokenKind::EqualEqual:
    return BinaryOp::Eq;
  case TokenKind::NotEqual:
    return BinaryOp::Ne;
  default:
    return std::nullopt;
  }
}

template <typename ParseFn>
Parsed Parser::parseBinaryRhs(unsigned depth, Parsed lhs, BinaryOp op,
                              ParseFn parseRhs) {
  SourceLoc opLoc = tok.loc;
  // The new node sits at `depth` and lifts the left operand one level: this
  // is where a long left-associative chain runs out of levels.
  if (depth + 1 + lhs.height > kMaxExprDepth) {
    errorTooDeep(opLoc);
    return {};
  }
  advance();
  Parsed rhs = parseRhs(depth + 1);
  if (!rhs.expr)
    return {};
  unsigned height = 1 + std::max(lhs.height, rhs.height);
  return {std::make_unique<BinaryExpr>(opLoc, op, std::move(lhs.expr),
                                       std::move(rhs.expr)),
          height};
}

Parsed Parser::parseExpr(unsigned depth) {
  Parsed lhs = parseAdditive(depth);
  if (!lhs.expr)
    return {};
  std::optional<BinaryOp> op = getComparisonOp(tok.kind);
  if (!op)
    return lhs;
  Parsed result =
      parseBinaryRhs(depth, std::move(lhs), *op,
                     [this](unsigned d) { return parseAdditive(d); });
  if (!result.expr)
    return {};
  if (getComparisonOp(tok.kind)) {
    error(tok.loc, "comparisons cannot be chained; use parentheses");
    return {};
  }
  return result;
}

Parsed Parser::parseAdditive(unsigned depth) {
  Parsed lhs = parseMultiplicative(depth);
  while (lhs.expr && (tok.is(TokenKind::Plus) || tok.is(TokenKind::Minus))) {
    BinaryOp op = tok.is(TokenKind::Plus) ? BinaryOp::Add : BinaryOp::Sub;
    lhs = parseBinaryRhs(depth, std::move(lhs), op,
                         [this](unsigned d) { return parseMultiplicative(d); });
  }
  return lhs;
}

Parsed Parser::parseMultiplicative(unsigned depth) {
  Parsed lhs = parseUnary(depth);
  while (lhs.expr) {
    BinaryOp op;
    if (tok.is(TokenKind::Star))
      op = BinaryOp::Mul;
    else if (tok.is(TokenKind::Slash))
      op = BinaryOp::Div;
    else if (tok.is(TokenKind::At))
      op = BinaryOp::MatMul;
    else
      break;
    lhs = parseBinaryRhs(depth, std::move(lhs), op,
                         [this](unsigned d) { return parseUnary(d); });
  }
  return lhs;
}

Parsed Parser::parseUnary(unsigned depth) {
  // Every recursive path (operands, parentheses, arguments, subscripts)
  // comes through here, so this one check bounds the parser's recursion.
  if (depth >= kMaxExprDepth) {
    errorTooDeep(tok.loc);
    return {};
  }
  if (!tok.is(TokenKind::Minus))
    return parsePostfix(depth);
  SourceLoc loc = tok.loc;
  advance();
  Parsed operand = parseUnary(depth + 1);
  if (!operand.expr)
    return {};
  return {std::make_unique<UnaryExpr>(loc, std::move(operand.expr)),
          operand.height + 1};
}

Parsed Parser::parsePostfix(unsigned depth) {
  Parsed base = parsePrimary(depth);
  while (base.expr && tok.is(TokenKind::LBracket)) {
    SourceLoc lbracket = tok.loc;
    if (depth + 1 + base.height > kMaxExprDepth) {
      errorTooDeep(lbracket);
      return {};
    }
    advance();
    unsigned height = base.height;
    ExprPtr lo, hi;
    if (!tok.is(TokenKind::Colon)) {
      Parsed index = parseExpr(depth + 1);
      if (!index.expr)
        return {};
      height = std::max(height, index.height);
      lo = std::move(index.expr);
    }
    bool isSlice = false;
    if (tok.is(TokenKind::Colon)) {
      isSlice = true;
      advance();
      if (!tok.is(TokenKind::RBracket)) {
        Parsed upper = parseExpr(depth + 1);
        if (!upper.expr)
          return {};
        height = std::max(height, upper.height);
        hi = std::move(upper.expr);
      }
    }
    if (!tok.is(TokenKind::RBracket)) {
      if (errorExpected("expected ']'"))
        diags.note(lbracket, "to match this '['");
      return {};
    }
    advance();
    if (isSlice)
      base.expr = std::make_unique<SliceExpr>(lbracket, std::move(base.expr),
                                              std::move(lo), std::move(hi));
    else
      base.expr = std::make_unique<IndexExpr>(lbracket, std::move(base.expr),
                                              std::move(lo));
    base.height = height + 1;
  }
  return base;
}

Parsed Parser::parsePrimary(unsigned depth) {
  switch (tok.kind) {
  case TokenKind::Number: {
    auto num =
        std::make_unique<NumberExpr>(tok.loc, tok.numberValue, tok.isInteger);
    advance();
    return {std::move(num), 1};
  }
  case TokenKind::Ident:
    return parseCall(depth);
  case TokenKind::LParen: {
    SourceLoc lparen = tok.loc;
    advance();
    Parsed inner = parseExpr(depth + 1);
    if (!inner.expr)
      return {};
    if (!tok.is(TokenKind::RParen)) {
      if (errorExpected("expected ')'"))
        diags.note(lparen, "to match this '('");
      return {};
    }
    advance();
    // The parentheses leave no node but count as a level, which bounds the
    // recursion on `((((...))))`.
    inner.height += 1;
    return inner;
  }
  default:
    errorExpected("expected an expression");
    return {};
  }
}

/// A name, or a call when the name is followed by `(`.
Parsed Parser::parseCall(unsigned depth) {
  SourceLoc loc = tok.loc;
  std::string name = tok.text.str();
  advance();
  if (!tok.is(TokenKind::LParen))
    return {std::make_unique<NameExpr>(loc, std::move(name)), 1};
  SourceLoc lparen = tok.loc;
  advance();
  std::vector<ExprPtr> args;
  unsigned height = 0;
  if (!tok.is(TokenKind::RParen)) {
    while (true) {
      Parsed arg = parseExpr(depth + 1);
      if (!arg.expr)
        return {};
      height = std::max(height, arg.height);
      args.push_back(std::move(arg.expr));
      if (tok.is(TokenKind::Comma)) {
        advance();
        continue;
      }
      if (tok.is(TokenKind::RParen))
        break;
      if (errorExpected("expected ',' or ')' in the argument list"))
        diags.note(lparen, "to match this '('");
      return {};
    }
  }
  advance(); // ')'
  return {std::make_unique<CallExpr>(loc, std::move(name), std::move(args)),
          height + 1};
}

std::optional<Module> lds::parseModule(llvm::StringRef source,
                                       DiagnosticEngine &diags) {
  return Parser(source, diags).parseFile();
}
