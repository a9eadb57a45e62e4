//===- AST.h - abstract syntax tree of a .lds file --------------*- C++ -*-===//
//
// The parser builds this tree; Sema (name resolution, type and shape checking,
// const folding) annotates each expression with its type and, for
// compile-time constants, its value; MLIRGen turns it into the lds dialect.
// The parser bounds the tree's depth (kMaxExprDepth), so every recursive walk
// over it is safe.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_FRONTEND_AST_H
#define LDS_FRONTEND_AST_H

#include "lds/Frontend/Diagnostics.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lds {

/// Deepest expression nesting the parser accepts (parentheses, operator
/// chains, calls and indexing all count one level).
constexpr unsigned kMaxExprDepth = 256;

enum class ElemType { F32, F64, I32, Bool };
llvm::StringRef getElemTypeName(ElemType t);

/// The type of a declaration or an expression: element type and static shape
/// (empty shape = scalar).
struct ValueType {
  ElemType elem = ElemType::F32;
  llvm::SmallVector<int64_t, 3> shape;

  bool isScalar() const { return shape.empty(); }
  bool isFloat() const {
    return elem == ElemType::F32 || elem == ElemType::F64;
  }
  int64_t getNumElements() const;
  bool operator==(const ValueType &o) const {
    return elem == o.elem && shape == o.shape;
  }
  bool operator!=(const ValueType &o) const { return !(*this == o); }
  /// Spelled as in the language: `f32`, `f32[8]`, `f64[3, 4]`, `bool[8]`.
  std::string str() const;
};

/// One dimension of a declared shape: an integer literal or the name of an
/// integer `const`, resolved by Sema.
struct DimSpec {
  SourceLoc loc;
  std::optional<int64_t> value; // set for a literal, and by Sema for a name
  std::string name;             // non-empty for a const name
};

/// A declared type as written: `f32`, `f32[8]`, `f32[24, 8]`, `i32`.
struct TypeSpec {
  SourceLoc loc;
  ElemType elem = ElemType::F32;
  std::vector<DimSpec> dims;
};

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

enum class BinaryOp { Add, Sub, Mul, Div, MatMul, Lt, Le, Gt, Ge, Eq, Ne };
/// The operator's spelling: "+", "@", "<=", ...
llvm::StringRef getBinaryOpSpelling(BinaryOp op);

class Expr {
public:
  enum class Kind { Number, Name, Unary, Binary, Call, Index, Slice };

  Expr(Kind kind, SourceLoc loc) : kind(kind), loc(loc) {}
  virtual ~Expr() = default;
  Kind getKind() const { return kind; }
  SourceLoc getLoc() const { return loc; }

  // Filled in by Sema.
  std::optional<ValueType> type;
  /// For scalar compile-time constants (literals, consts and expressions of
  /// them): the folded value.
  std::optional<double> constValue;

private:
  Kind kind;
  SourceLoc loc;
};
using ExprPtr = std::unique_ptr<Expr>;

/// A numeric literal: `3`, `0.5`, `1e-5`. `isInteger` when written without
/// a fraction or exponent.
class NumberExpr : public Expr {
public:
  NumberExpr(SourceLoc loc, double value, bool isInteger)
      : Expr(Kind::Number, loc), value(value), isInteger(isInteger) {}
  double value;
  bool isInteger;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Number; }
};

/// A reference to a state, input, param, const or let.
class NameExpr : public Expr {
public:
  NameExpr(SourceLoc loc, std::string name)
      : Expr(Kind::Name, loc), name(std::move(name)) {}
  std::string name;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Name; }
};

/// `-operand` (the only prefix operator).
class UnaryExpr : public Expr {
public:
  UnaryExpr(SourceLoc loc, ExprPtr operand)
      : Expr(Kind::Unary, loc), operand(std::move(operand)) {}
  ExprPtr operand;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Unary; }
};

/// `lhs op rhs`; the location is the operator's.
class BinaryExpr : public Expr {
public:
  BinaryExpr(SourceLoc loc, BinaryOp op, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind::Binary, loc), op(op), lhs(std::move(lhs)),
        rhs(std::move(rhs)) {}
  BinaryOp op;
  ExprPtr lhs, rhs;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Binary; }
};

/// `callee(args...)`: a builtin function; the location is the callee's.
class CallExpr : public Expr {
public:
  CallExpr(SourceLoc loc, std::string callee, std::vector<ExprPtr> args)
      : Expr(Kind::Call, loc), callee(std::move(callee)),
        args(std::move(args)) {}
  std::string callee;
  std::vector<ExprPtr> args;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Call; }
};

/// `base[index]`: a constant integer index (drops the leading dimension) or
/// an i32 input (gathers from a param). The location is the `[`.
class IndexExpr : public Expr {
public:
  IndexExpr(SourceLoc loc, ExprPtr base, ExprPtr index)
      : Expr(Kind::Index, loc), base(std::move(base)), index(std::move(index)) {
  }
  ExprPtr base, index;
  static bool classof(const Expr *e) { return e->getKind() == Kind::Index; }
};

/// `base[lo:hi]` with constant integer bounds; either may be omitted (`lo`
/// defaults to 0, `hi` to the leading dimension). The location is the `[`.
class SliceExpr : public Expr {
public:
  SliceExpr(SourceLoc loc, ExprPtr base, ExprPtr lo, ExprPtr hi)
      : Expr(Kind::Slice, loc), base(std::move(base)), lo(std::move(lo)),
        hi(std::move(hi)) {}
  ExprPtr base, lo, hi; // lo, hi may be null
  static bool classof(const Expr *e) { return e->getKind() == Kind::Slice; }
};

//===----------------------------------------------------------------------===//
// Declarations and models
//===----------------------------------------------------------------------===//

/// One line of a model body.
///   state NAME : TYPE      input NAME : TYPE      param NAME : TYPE
///   const NAME = EXPR      let NAME = EXPR        NAME' = EXPR
struct Decl {
  enum class Kind { State, Input, Param, Const, Let, Next };
  Kind kind;
  SourceLoc loc; // of NAME
  std::string name;
  std::optional<TypeSpec> typeSpec; // State, Input, Param
  ExprPtr value;                    // Const, Let, Next

  // Filled in by Sema: the declared or inferred type.
  std::optional<ValueType> type;
};
llvm::StringRef getDeclKindName(Decl::Kind kind); // "state", ..., "next-state"

/// `model NAME { decls }`.
struct Model {
  SourceLoc loc; // of NAME
  std::string name;
  std::vector<Decl> decls;
  /// Set by Sema: the model's float type.
  ElemType floatType = ElemType::F32;
};

/// A whole .lds file: one or more models.
struct Module {
  std::vector<Model> models;
};

/// Prints the tree (`lds-compile --emit=ast`), with Sema's types where set.
void dumpAST(const Module &module, llvm::raw_ostream &os);

} // namespace lds

#endif // LDS_FRONTEND_AST_H
