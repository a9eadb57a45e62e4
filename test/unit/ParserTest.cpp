//===- ParserTest.cpp - unit tests of the .lds parser ---------------------===//
//
// The tree built for valid input (structure, precedence, locations), every
// syntax error with its location, the depth limit, and robustness against
// huge and random input.
//
//===----------------------------------------------------------------------===//

#include "lds/Frontend/Parser.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <charconv>
#include <chrono>
#include <random>
#include <string>
#include <vector>

using namespace lds;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace {

struct ParseResult {
  std::optional<Module> module;
  std::vector<Diagnostic> diags;
};

ParseResult parse(llvm::StringRef source) {
  ParseResult r;
  DiagnosticEngine engine([&](const Diagnostic &d) { r.diags.push_back(d); });
  r.module = parseModule(source, engine);
  return r;
}

/// Parses `source`, which must succeed without diagnostics.
Module parseOk(llvm::StringRef source) {
  ParseResult r = parse(source);
  EXPECT_TRUE(r.diags.empty())
      << source.str()
      << "\n  first: " << (r.diags.empty() ? "" : r.diags[0].message);
  if (!r.module)
    return Module();
  return std::move(*r.module);
}

/// Parses `source`, which must fail with exactly one error, `message` at
/// line:col (and maybe one note).
ParseResult expectError(llvm::StringRef source, llvm::StringRef message,
                        uint32_t line, uint32_t col) {
  ParseResult r = parse(source);
  SCOPED_TRACE(source.str().substr(0, 200));
  EXPECT_FALSE(r.module.has_value());
  EXPECT_GE(r.diags.size(), 1u);
  if (r.diags.empty())
    return r;
  EXPECT_EQ(r.diags[0].severity, Severity::Error);
  EXPECT_EQ(r.diags[0].message, message.str());
  EXPECT_EQ(r.diags[0].loc.line, line);
  EXPECT_EQ(r.diags[0].loc.col, col);
  for (size_t i = 1; i < r.diags.size(); ++i)
    EXPECT_EQ(r.diags[i].severity, Severity::Note) << r.diags[i].message;
  return r;
}

/// Like expectError, and also checks the single note that follows.
void expectErrorAndNote(llvm::StringRef source, llvm::StringRef message,
                        uint32_t line, uint32_t col, llvm::StringRef note,
                        uint32_t noteLine, uint32_t noteCol) {
  ParseResult r = expectError(source, message, line, col);
  SCOPED_TRACE(source.str());
  ASSERT_EQ(r.diags.size(), 2u);
  EXPECT_EQ(r.diags[1].message, note.str());
  EXPECT_EQ(r.diags[1].loc.line, noteLine);
  EXPECT_EQ(r.diags[1].loc.col, noteCol);
}

/// The expression of the single `let` in `model m { let e = EXPR }`.
/// (`let e = ` puts EXPR at column 19 of line 1.)
std::string wrapExpr(llvm::StringRef expr) {
  return ("model m { let e = " + expr + " }").str();
}

/// Prints an expression fully parenthesised, to check the tree's shape.
std::string show(const Expr *e) {
  if (!e)
    return "_";
  if (auto *n = dyn_cast<NumberExpr>(e)) {
    char buf[64];
    std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), n->value);
    return std::string(buf, r.ptr);
  }
  if (auto *n = dyn_cast<NameExpr>(e))
    return n->name;
  if (auto *u = dyn_cast<UnaryExpr>(e))
    return "(-" + show(u->operand.get()) + ")";
  if (auto *b = dyn_cast<BinaryExpr>(e))
    return "(" + show(b->lhs.get()) + " " + getBinaryOpSpelling(b->op).str() +
           " " + show(b->rhs.get()) + ")";
  if (auto *c = dyn_cast<CallExpr>(e)) {
    std::string s = c->callee + "(";
    for (size_t i = 0; i < c->args.size(); ++i)
      s += (i ? ", " : "") + show(c->args[i].get());
    return s + ")";
  }
  if (auto *i = dyn_cast<IndexExpr>(e))
    return show(i->base.get()) + "[" + show(i->index.get()) + "]";
  if (auto *s = dyn_cast<SliceExpr>(e))
    return show(s->base.get()) + "[" + show(s->lo.get()) + ":" +
           show(s->hi.get()) + "]";
  return "?";
}

std::string showExpr(llvm::StringRef expr) {
  Module m = parseOk(wrapExpr(expr));
  if (m.models.size() != 1 || m.models[0].decls.size() != 1)
    return "<parse failed>";
  return show(m.models[0].decls[0].value.get());
}

unsigned height(const Expr *e) {
  if (!e)
    return 0;
  unsigned h = 0;
  if (auto *u = dyn_cast<UnaryExpr>(e))
    h = height(u->operand.get());
  else if (auto *b = dyn_cast<BinaryExpr>(e))
    h = std::max(height(b->lhs.get()), height(b->rhs.get()));
  else if (auto *c = dyn_cast<CallExpr>(e))
    for (const ExprPtr &a : c->args)
      h = std::max(h, height(a.get()));
  else if (auto *i = dyn_cast<IndexExpr>(e))
    h = std::max(height(i->base.get()), height(i->index.get()));
  else if (auto *s = dyn_cast<SliceExpr>(e))
    h = std::max(
        {height(s->base.get()), height(s->lo.get()), height(s->hi.get())});
  return h + 1;
}

const char *kGru =
    R"(# examples/gru.lds — a GRU cell (PyTorch/equinox gate order r, z, n)
model gru {
  state h  : f32[8]          # the recurrent state; several `state` lines are concatenated
  input x  : f32[8]          # one value per time step
  param Wi : f32[24, 8]      # constant in time, supplied at run time
  param Wh : f32[24, 8]
  param bi : f32[24]
  param bh : f32[24]

  let gi = Wi @ x + bi
  let gh = Wh @ h + bh
  let r  = sigmoid(gi[0:8]  + gh[0:8])
  let z  = sigmoid(gi[8:16] + gh[8:16])
  let n  = tanh(gi[16:24] + r * gh[16:24])
  h' = (1 - z) * n + z * h   # next-state equation: one per state
}
)";

TEST(ParserTest, Gru) {
  Module m = parseOk(kGru);
  ASSERT_EQ(m.models.size(), 1u);
  const Model &model = m.models[0];
  EXPECT_EQ(model.name, "gru");
  EXPECT_EQ(model.loc.line, 2u);
  EXPECT_EQ(model.loc.col, 7u);
  ASSERT_EQ(model.decls.size(), 12u);

  const Decl &h = model.decls[0];
  EXPECT_EQ(h.kind, Decl::Kind::State);
  EXPECT_EQ(h.name, "h");
  EXPECT_EQ(h.loc.line, 3u);
  EXPECT_EQ(h.loc.col, 9u);
  ASSERT_TRUE(h.typeSpec.has_value());
  EXPECT_EQ(h.typeSpec->elem, ElemType::F32);
  EXPECT_EQ(h.typeSpec->loc.col, 14u);
  ASSERT_EQ(h.typeSpec->dims.size(), 1u);
  EXPECT_EQ(h.typeSpec->dims[0].value, 8);
  EXPECT_EQ(h.typeSpec->dims[0].loc.col, 18u);
  EXPECT_FALSE(h.value);

  EXPECT_EQ(model.decls[1].kind, Decl::Kind::Input);
  const Decl &wi = model.decls[2];
  EXPECT_EQ(wi.kind, Decl::Kind::Param);
  ASSERT_EQ(wi.typeSpec->dims.size(), 2u);
  EXPECT_EQ(wi.typeSpec->dims[0].value, 24);
  EXPECT_EQ(wi.typeSpec->dims[1].value, 8);
  EXPECT_EQ(wi.typeSpec->dims[1].loc.col, 22u);

  const Decl &gi = model.decls[6];
  EXPECT_EQ(gi.kind, Decl::Kind::Let);
  EXPECT_EQ(gi.name, "gi");
  EXPECT_EQ(gi.loc.line, 10u);
  EXPECT_EQ(gi.loc.col, 7u);
  EXPECT_EQ(show(gi.value.get()), "((Wi @ x) + bi)");
  EXPECT_EQ(gi.value->getLoc().col, 19u); // the '+'
  auto *add = cast<BinaryExpr>(gi.value.get());
  EXPECT_EQ(add->lhs->getLoc().col, 15u); // the '@'

  EXPECT_EQ(show(model.decls[8].value.get()), "sigmoid((gi[0:8] + gh[0:8]))");
  auto *call = cast<CallExpr>(model.decls[8].value.get());
  EXPECT_EQ(call->getLoc().col, 12u);
  auto *sum = cast<BinaryExpr>(call->args[0].get());
  auto *slice = cast<SliceExpr>(sum->lhs.get());
  EXPECT_EQ(slice->getLoc().col, 22u); // the '['
  EXPECT_EQ(show(model.decls[10].value.get()),
            "tanh((gi[16:24] + (r * gh[16:24])))");

  const Decl &next = model.decls[11];
  EXPECT_EQ(next.kind, Decl::Kind::Next);
  EXPECT_EQ(next.name, "h");
  EXPECT_EQ(next.loc.line, 15u);
  EXPECT_EQ(next.loc.col, 3u);
  EXPECT_EQ(show(next.value.get()), "(((1 - z) * n) + (z * h))");
  auto *num = cast<NumberExpr>(
      cast<BinaryExpr>(
          cast<BinaryExpr>(cast<BinaryExpr>(next.value.get())->lhs.get())
              ->lhs.get())
          ->lhs.get());
  EXPECT_TRUE(num->isInteger);
  EXPECT_EQ(num->value, 1.0);
  EXPECT_EQ(num->getLoc().col, 9u);
}

TEST(ParserTest, DumpAST) {
  Module m = parseOk("model m {\n state h : f32[N, 2]\n let a = -x[1:] + "
                     "f(2.5)\n h' = a\n}");
  std::string s;
  llvm::raw_string_ostream os(s);
  dumpAST(m, os);
  EXPECT_EQ(s, "model m @1:7\n"
               "  state h : f32[N, 2] @2:8\n"
               "  let a @3:6\n"
               "    binary '+' @3:17\n"
               "      unary '-' @3:10\n"
               "        slice @3:12\n"
               "          name x @3:11\n"
               "          number 1 @3:13\n"
               "          <default upper bound>\n"
               "      call f @3:19\n"
               "        number 2.5 @3:21\n"
               "  next-state h @4:2\n"
               "    name a @4:7\n");
  // Sema's annotations, when present.
  m.models[0].decls[2].value->type = ValueType{ElemType::F64, {3, 4}};
  m.models[0].decls[2].value->constValue = 0.5;
  m.models[0].decls[1].type = ValueType{ElemType::Bool, {8}};
  s.clear();
  dumpAST(m, os);
  EXPECT_NE(s.find("  let a : bool[8] @3:6\n"), std::string::npos) << s;
  EXPECT_NE(s.find("    name a : f64[3, 4] = 0.5 @4:7\n"), std::string::npos)
      << s;
}

TEST(ParserTest, ASTHelpers) {
  EXPECT_EQ(getElemTypeName(ElemType::F32), "f32");
  EXPECT_EQ(getElemTypeName(ElemType::F64), "f64");
  EXPECT_EQ(getElemTypeName(ElemType::I32), "i32");
  EXPECT_EQ(getElemTypeName(ElemType::Bool), "bool");
  EXPECT_EQ((ValueType{ElemType::F32, {}}).str(), "f32");
  EXPECT_EQ((ValueType{ElemType::F32, {8}}).str(), "f32[8]");
  EXPECT_EQ((ValueType{ElemType::F64, {3, 4}}).str(), "f64[3, 4]");
  EXPECT_EQ((ValueType{ElemType::F32, {}}).getNumElements(), 1);
  EXPECT_EQ((ValueType{ElemType::F32, {2, 3, 4}}).getNumElements(), 24);
  EXPECT_EQ(getDeclKindName(Decl::Kind::State), "state");
  EXPECT_EQ(getDeclKindName(Decl::Kind::Input), "input");
  EXPECT_EQ(getDeclKindName(Decl::Kind::Param), "param");
  EXPECT_EQ(getDeclKindName(Decl::Kind::Const), "const");
  EXPECT_EQ(getDeclKindName(Decl::Kind::Let), "let");
  EXPECT_EQ(getDeclKindName(Decl::Kind::Next), "next-state");
  const char *ops[] = {"+",  "-", "*",  "/",  "@", "<",
                       "<=", ">", ">=", "==", "!="};
  for (int i = 0; i <= static_cast<int>(BinaryOp::Ne); ++i)
    EXPECT_EQ(getBinaryOpSpelling(static_cast<BinaryOp>(i)), ops[i]);
}

TEST(ParserTest, Precedence) {
  EXPECT_EQ(showExpr("a+b*c"), "(a + (b * c))");
  EXPECT_EQ(showExpr("a*b+c"), "((a * b) + c)");
  EXPECT_EQ(showExpr("a@b+c"), "((a @ b) + c)");
  EXPECT_EQ(showExpr("a@b@c"), "((a @ b) @ c)");
  EXPECT_EQ(showExpr("a-b-c"), "((a - b) - c)");
  EXPECT_EQ(showExpr("a/b*c"), "((a / b) * c)");
  EXPECT_EQ(showExpr("-a*b"), "((-a) * b)");
  EXPECT_EQ(showExpr("--a"), "(-(-a))");
  EXPECT_EQ(showExpr("a*-b"), "(a * (-b))");
  EXPECT_EQ(showExpr("a - -b"), "(a - (-b))");
  EXPECT_EQ(showExpr("-a[0]"), "(-a[0])");
  EXPECT_EQ(showExpr("a+b < c*d"), "((a + b) < (c * d))");
  EXPECT_EQ(showExpr("a <= b"), "(a <= b)");
  EXPECT_EQ(showExpr("a > b"), "(a > b)");
  EXPECT_EQ(showExpr("a >= b"), "(a >= b)");
  EXPECT_EQ(showExpr("a == b"), "(a == b)");
  EXPECT_EQ(showExpr("a != -b"), "(a != (-b))");
  EXPECT_EQ(showExpr("(a < b) < c"), "((a < b) < c)");
  EXPECT_EQ(showExpr("(a+b)*c"), "((a + b) * c)");
  EXPECT_EQ(showExpr("f()"), "f()");
  EXPECT_EQ(showExpr("select(a < b, a, b)"), "select((a < b), a, b)");
  EXPECT_EQ(showExpr("W[i][j]"), "W[i][j]");
  EXPECT_EQ(showExpr("f(x)[1:2]"), "f(x)[1:2]");
  EXPECT_EQ(showExpr("1.5e1"), "15");
}

TEST(ParserTest, Slices) {
  EXPECT_EQ(showExpr("v[1:2]"), "v[1:2]");
  EXPECT_EQ(showExpr("v[:2]"), "v[_:2]");
  EXPECT_EQ(showExpr("v[1:]"), "v[1:_]");
  EXPECT_EQ(showExpr("v[:]"), "v[_:_]");
  EXPECT_EQ(showExpr("v[n-1]"), "v[(n - 1)]");
  EXPECT_EQ(showExpr("v[a+1 : b*2]"), "v[(a + 1):(b * 2)]");
  Module m = parseOk(wrapExpr("v[:]"));
  ASSERT_EQ(m.models.size(), 1u);
  auto *s = dyn_cast<SliceExpr>(m.models[0].decls[0].value.get());
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->lo);
  EXPECT_FALSE(s->hi);
  EXPECT_EQ(s->getLoc().col, 20u);
  m = parseOk(wrapExpr("v[3]"));
  ASSERT_TRUE(isa<IndexExpr>(m.models[0].decls[0].value.get()));
}

TEST(ParserTest, DeclarationsAndModels) {
  Module m = parseOk("model a { const N = 4 state s : f64[N] input w : i32 "
                     "param P : f64[N, 2, 3] s' = s }\n"
                     "model b {}");
  ASSERT_EQ(m.models.size(), 2u);
  const Model &a = m.models[0];
  ASSERT_EQ(a.decls.size(), 5u);
  EXPECT_EQ(a.decls[0].kind, Decl::Kind::Const);
  EXPECT_EQ(show(a.decls[0].value.get()), "4");
  EXPECT_EQ(a.decls[1].typeSpec->elem, ElemType::F64);
  EXPECT_EQ(a.decls[1].typeSpec->dims[0].name, "N");
  EXPECT_FALSE(a.decls[1].typeSpec->dims[0].value.has_value());
  EXPECT_EQ(a.decls[2].typeSpec->elem, ElemType::I32);
  EXPECT_TRUE(a.decls[2].typeSpec->dims.empty());
  EXPECT_EQ(a.decls[3].typeSpec->dims.size(), 3u);
  EXPECT_EQ(a.decls[4].kind, Decl::Kind::Next);
  EXPECT_EQ(m.models[1].name, "b");
  EXPECT_TRUE(m.models[1].decls.empty());
  // Statements need no separators, and newlines are insignificant.
  m = parseOk("model m{let a=b let c=d\n-e h'=a}");
  ASSERT_EQ(m.models[0].decls.size(), 3u);
  EXPECT_EQ(show(m.models[0].decls[1].value.get()), "(d - e)");
}

TEST(ParserTest, StructureErrors) {
  expectError("", "empty file: expected a model", 1, 1);
  expectError("  # just a comment\n /* and a block */\n",
              "empty file: expected a model", 1, 1);
  expectError("state h : f32", "expected 'model', found 'state'", 1, 1);
  expectError("model a {}\n x", "expected 'model', found 'x'", 2, 2);
  expectError("model {", "expected model name after 'model', found '{'", 1, 7);
  expectError("model", "expected model name after 'model', found end of file",
              1, 6);
  expectError("model let {}", "expected model name after 'model', found 'let'",
              1, 7);
  expectError("model m (", "expected '{' after the model name, found '('", 1,
              9);
  expectError("model m { x = 1 }",
              "expected 'state', 'input', 'param', 'const', 'let', a "
              "next-state equation (NAME' = ...) or '}', found 'x'",
              1, 11);
  expectError("model m { let a = b c }",
              "expected 'state', 'input', 'param', 'const', 'let', a "
              "next-state equation (NAME' = ...) or '}', found 'c'",
              1, 21);
  expectErrorAndNote("model m {\n  state h : f32\n",
                     "expected '}' at the end of model 'm'", 3, 1,
                     "to match this '{'", 1, 9);
}

TEST(ParserTest, DeclarationErrors) {
  expectError("model m { state : f32 }",
              "expected a name after 'state', found ':'", 1, 17);
  expectError("model m { input h' : f32 }",
              "expected a name after 'input', found 'h''", 1, 17);
  expectError("model m { const 3 = 1 }",
              "expected a name after 'const', found '3'", 1, 17);
  expectError("model m { let = 1 }", "expected a name after 'let', found '='",
              1, 15);
  expectError("model m { state h f32 }",
              "expected ':' after the state name, found 'f32'", 1, 19);
  expectError("model m { input x = 1 }",
              "expected ':' after the input name, found '='", 1, 19);
  expectError("model m { param W }",
              "expected ':' after the param name, found '}'", 1, 19);
  expectError("model m { const c : f32 }",
              "expected '=' after the const name, found ':'", 1, 19);
  expectError("model m { let c 1 }",
              "expected '=' after the let name, found '1'", 1, 17);
  expectError("model m { h' == 1 }",
              "expected '=' after the next-state name, found '=='", 1, 14);
  expectError("model m { state h : f16 }",
              "expected a type (f32, f64 or i32), found 'f16'", 1, 21);
  expectError("model m { state h : [8] }",
              "expected a type (f32, f64 or i32), found '['", 1, 21);
  expectErrorAndNote("model m { state h : f32[8 }",
                     "expected ']' after the dimensions, found '}'", 1, 27,
                     "to match this '['", 1, 24);
  expectError("model m { state h : f32[8;] }", "unexpected character ';'", 1,
              26);
  expectError("model m { state h : f32[] }",
              "expected a dimension (an integer or an integer const name), "
              "found ']'",
              1, 25);
  expectError("model m { state h : f32[2.5] }",
              "expected a dimension (an integer or an integer const name), "
              "found '2.5'",
              1, 25);
  expectError("model m { state h : f32[8,] }",
              "expected a dimension (an integer or an integer const name), "
              "found ']'",
              1, 27);
  expectError("model m { state h : f32[-1] }",
              "expected a dimension (an integer or an integer const name), "
              "found '-'",
              1, 25);
  expectError("model m { param W : f32[99999999999999999999] }",
              "dimension '99999999999999999999' is too large", 1, 25);
}

TEST(ParserTest, ExpressionErrors) {
  // `let e = ` puts the expression at column 19.
  expectError(wrapExpr(")"), "expected an expression, found ')'", 1, 19);
  expectError(wrapExpr("a +"), "expected an expression, found '}'", 1, 23);
  expectError(wrapExpr("h'"), "expected an expression, found 'h''", 1, 19);
  expectError(wrapExpr("f(a,)"), "expected an expression, found ')'", 1, 23);
  expectError(wrapExpr("v[]"), "expected an expression, found ']'", 1, 21);
  expectError("model m { let e =", "expected an expression, found end of file",
              1, 18);
  expectErrorAndNote(wrapExpr("(a + b"), "expected ')', found '}'", 1, 26,
                     "to match this '('", 1, 19);
  expectErrorAndNote(wrapExpr("f(a b)"),
                     "expected ',' or ')' in the argument list, found 'b'", 1,
                     23, "to match this '('", 1, 20);
  expectErrorAndNote(wrapExpr("v[1"), "expected ']', found '}'", 1, 23,
                     "to match this '['", 1, 20);
  expectErrorAndNote(wrapExpr("v[1:2:3]"), "expected ']', found ':'", 1, 24,
                     "to match this '['", 1, 20);
  expectError(wrapExpr("a < b < c"),
              "comparisons cannot be chained; use parentheses", 1, 25);
  expectError(wrapExpr("a == b != c"),
              "comparisons cannot be chained; use parentheses", 1, 26);
  // A lexical error inside an expression is reported once, by the lexer.
  ParseResult r =
      expectError(wrapExpr("a + $"), "unexpected character '$'", 1, 23);
  EXPECT_EQ(r.diags.size(), 1u);
  expectError(wrapExpr("(a + 1e)"),
              "malformed number '1e': the exponent has no digits", 1, 24);
}

TEST(ParserTest, LongNamesAreAbbreviated) {
  std::string name(100, 'q');
  expectError("model m { " + name + " }",
              "expected 'state', 'input', 'param', 'const', 'let', a "
              "next-state equation (NAME' = ...) or '}', found '" +
                  name.substr(0, 32) + "...'",
              1, 11);
  expectError("model " + name + " {",
              "expected '}' at the end of model '" + name.substr(0, 32) +
                  "...'",
              1, 109);
}

TEST(ParserTest, StopsAtFirstError) {
  ParseResult r = parse("model m { let a = ) let b = ) $ }");
  EXPECT_FALSE(r.module);
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].loc.col, 19u);
}

//===----------------------------------------------------------------------===//
// Depth limit
//===----------------------------------------------------------------------===//

const char *kTooDeep =
    "expression is nested too deeply (the limit is 256 levels)";

TEST(ParserTest, DepthLimitBoundary) {
  // 255 parentheses around a name: 256 levels, accepted.
  std::string ok = std::string(255, '(') + "x" + std::string(255, ')');
  parseOk(wrapExpr(ok));
  // 256: the name would be at level 257.
  std::string bad = std::string(256, '(') + "x" + std::string(256, ')');
  expectError(wrapExpr(bad), kTooDeep, 1, 19 + 256);

  // Unary minus: 255 accepted, 256 rejected at the operand.
  parseOk(wrapExpr(std::string(255, '-') + "x"));
  expectError(wrapExpr(std::string(256, '-') + "x"), kTooDeep, 1, 19 + 256);

  // A chain of 256 terms has height 256; the 256th '+' would exceed it.
  std::string chain = "a";
  for (int i = 1; i < 256; ++i)
    chain += "+a";
  Module m = parseOk(wrapExpr(chain));
  ASSERT_EQ(m.models.size(), 1u);
  EXPECT_EQ(height(m.models[0].decls[0].value.get()), 256u);
  expectError(wrapExpr(chain + "+a"), kTooDeep, 1, 19 + chain.size());

  // Right-nested through the right operand of '*' inside a long chain:
  // (a*(a*(...))) with parentheses counts each level.
  std::string right;
  for (int i = 0; i < 200; ++i)
    right += "a*(";
  right += "a" + std::string(200, ')');
  expectError(wrapExpr(right), kTooDeep, 1, 19 + 128 * 3);
}

TEST(ParserTest, DepthLimitMixed) {
  // Subscripts: v[0][0]... chained, and nested indices.
  std::string sub = "v";
  for (int i = 0; i < 300; ++i)
    sub += "[0]";
  expectError(wrapExpr(sub), kTooDeep, 1, 19 + 1 + 255 * 3);
  std::string nested;
  for (int i = 0; i < 300; ++i)
    nested += "v[";
  nested += "0" + std::string(300, ']');
  expectError(wrapExpr(nested), kTooDeep, 1, 19 + 255 * 2 + 1); // the 256th "["
  // Calls.
  std::string calls;
  for (int i = 0; i < 300; ++i)
    calls += "f(";
  calls += "x" + std::string(300, ')');
  expectError(wrapExpr(calls), kTooDeep, 1, 19 + 256 * 2);
  // A deep operand on the left of a chain leaves less room for the chain.
  std::string left = std::string(250, '(') + "x" + std::string(250, ')');
  for (int i = 0; i < 10; ++i)
    left += "+x";
  expectError(wrapExpr(left), kTooDeep, 1, 19 + 501 + 5 * 2);
  // Comparisons count too.
  std::string cmp = std::string(255, '-') + "x < y";
  expectError(wrapExpr(cmp), kTooDeep, 1, 19 + 257);
}

TEST(ParserTest, TreesStayWithinLimit) {
  // Whatever the parser accepts is at most kMaxExprDepth deep.
  const char *pieces[] = {"(", "-", "f(", "v[", "a+", "a*", "a<"};
  std::mt19937 rng(1234);
  for (int iter = 0; iter < 200; ++iter) {
    std::string expr;
    std::string closers;
    int n = rng() % 400;
    for (int i = 0; i < n; ++i) {
      const char *p = pieces[rng() % std::size(pieces)];
      expr += p;
      if (p[0] == '(' || p[1] == '(')
        closers = ")" + closers;
      else if (p[1] == '[')
        closers = "]" + closers;
      else if (p[1] == '<') {
        expr += "(";
        closers = ")" + closers;
      }
    }
    expr += "x" + closers;
    ParseResult r = parse(wrapExpr(expr));
    if (r.module) {
      EXPECT_LE(height(r.module->models[0].decls[0].value.get()),
                kMaxExprDepth);
    } else {
      ASSERT_EQ(r.diags.size(), 1u) << expr;
      EXPECT_EQ(r.diags[0].message, kTooDeep);
    }
  }
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

TEST(ParserTest, HugeNesting) {
  auto start = std::chrono::steady_clock::now();
  // 100 000 levels of each form: one error each, no stack overflow.
  const int n = 100000;
  expectError(wrapExpr(std::string(n, '(') + "x" + std::string(n, ')')),
              kTooDeep, 1, 19 + 256);
  expectError(wrapExpr(std::string(n, '-') + "x"), kTooDeep, 1, 19 + 256);
  std::string calls;
  for (int i = 0; i < n; ++i)
    calls += "f(";
  expectError(wrapExpr(calls), kTooDeep, 1, 19 + 256 * 2);
  std::string subs;
  for (int i = 0; i < n; ++i)
    subs += "v[";
  expectError(wrapExpr(subs), kTooDeep, 1, 19 + 255 * 2 + 1);
  std::string rhs;
  for (int i = 0; i < n; ++i)
    rhs += "a*(";
  expectError(wrapExpr(rhs), kTooDeep, 1, 19 + 128 * 3);
  // A 1 MB line of minus signs.
  expectError(wrapExpr(std::string(1 << 20, '-') + "x"), kTooDeep, 1, 19 + 256);
  EXPECT_LT(secondsSince(start), 5.0);
}

TEST(ParserTest, TenMegabyteLine) {
  auto start = std::chrono::steady_clock::now();
  std::string chain;
  chain.reserve(10 << 20);
  chain += "a";
  while (chain.size() < (10u << 20))
    chain += "+a";
  expectError(wrapExpr(chain), kTooDeep, 1, 19 + 255 * 2 + 1);
  std::string mul = "a";
  while (mul.size() < (10u << 20))
    mul += "*a";
  expectError(wrapExpr(mul), kTooDeep, 1, 19 + 255 * 2 + 1);
  EXPECT_LT(secondsSince(start), 5.0);
}

TEST(ParserTest, LargeValidFileIsLinear) {
  // About 20 MB of GRU models: must parse in a few seconds.
  std::string one = kGru;
  std::string src;
  src.reserve(20 << 20);
  while (src.size() < (20u << 20))
    src += one;
  auto start = std::chrono::steady_clock::now();
  ParseResult r = parse(src);
  double seconds = secondsSince(start);
  ASSERT_TRUE(r.module.has_value());
  EXPECT_TRUE(r.diags.empty());
  size_t copies = src.size() / one.size();
  EXPECT_EQ(r.module->models.size(), copies);
  EXPECT_EQ(r.module->models.back().loc.line, (copies - 1) * 16 + 2);
  EXPECT_LT(seconds, 5.0);
}

TEST(ParserTest, RandomBytes) {
  // Never crashes, whatever the input; the result is either a module without
  // errors or nullopt with exactly one error (plus maybe a note).
  std::mt19937 rng(42);
  const char *fragments[] = {"model", " m ", "{",   "}", "state", "let",
                             " x ",   "h'",  "=",   "(", ")",     "[",
                             "]",     ":",   "f32", "1", "2.5",   "+",
                             "-",     "*",   "@",   "<", ",",     "\n"};
  for (int iter = 0; iter < 2000; ++iter) {
    std::string buf;
    size_t len = rng() % 300;
    bool tokens = iter % 2;
    while (buf.size() < len) {
      if (tokens)
        buf += fragments[rng() % std::size(fragments)];
      else
        buf += static_cast<char>(rng() & 0xFF);
    }
    ParseResult r = parse(buf);
    if (r.module) {
      EXPECT_TRUE(r.diags.empty());
    } else {
      ASSERT_GE(r.diags.size(), 1u);
      ASSERT_LE(r.diags.size(), 2u);
      EXPECT_EQ(r.diags[0].severity, Severity::Error);
      EXPECT_TRUE(r.diags[0].loc.isValid());
    }
  }
}

} // namespace
