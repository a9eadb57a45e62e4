//===- AST.cpp - abstract syntax tree helpers and printer -----------------===//
//
// `dumpAST` prints one node per line, children indented by two spaces, each
// line ending in the node's `@line:col`; Sema's annotations follow the node's
// description as ` : TYPE` and ` = VALUE` when set:
//
//   model gru @2:7
//     state h : f32[8] @3:9
//     let gi @10:7
//       binary '+' @10:19
//         binary '@' @10:15
//           name Wi @10:12
//           name x @10:17
//         name bi @10:21
//     next-state h @15:3
//       binary '+' : f32[8] @15:20       (after Sema)
//       ...
//
// Expression nodes: `number V`, `name N`, `unary '-'`, `binary 'OP'`,
// `call F`, `index` (children: base, index), `slice` (children: base, lower
// bound, upper bound; an omitted bound prints as `<default lower bound>` /
// `<default upper bound>`).
//
//===----------------------------------------------------------------------===//

#include "lds/Frontend/AST.h"

#include "llvm/Support/Casting.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/Format.h"

#include <charconv>
#include <cmath>
#include <limits>

using namespace lds;

llvm::StringRef lds::getElemTypeName(ElemType t) {
  switch (t) {
  case ElemType::F32:
    return "f32";
  case ElemType::F64:
    return "f64";
  case ElemType::I32:
    return "i32";
  case ElemType::Bool:
    return "bool";
  }
  llvm_unreachable("unknown element type");
}

int64_t ValueType::getNumElements() const {
  // Saturates instead of overflowing, so that callers comparing against a
  // size limit see a huge count rather than undefined behaviour.
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d <= 0)
      return 0;
    if (n > std::numeric_limits<int64_t>::max() / d)
      return std::numeric_limits<int64_t>::max();
    n *= d;
  }
  return n;
}

std::string ValueType::str() const {
  std::string s = getElemTypeName(elem).str();
  if (shape.empty())
    return s;
  s += '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  s += ']';
  return s;
}

llvm::StringRef lds::getBinaryOpSpelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::MatMul:
    return "@";
  case BinaryOp::Lt:
    return "<";
  case BinaryOp::Le:
    return "<=";
  case BinaryOp::Gt:
    return ">";
  case BinaryOp::Ge:
    return ">=";
  case BinaryOp::Eq:
    return "==";
  case BinaryOp::Ne:
    return "!=";
  }
  llvm_unreachable("unknown binary operator");
}

llvm::StringRef lds::getDeclKindName(Decl::Kind kind) {
  switch (kind) {
  case Decl::Kind::State:
    return "state";
  case Decl::Kind::Input:
    return "input";
  case Decl::Kind::Param:
    return "param";
  case Decl::Kind::Const:
    return "const";
  case Decl::Kind::Let:
    return "let";
  case Decl::Kind::Next:
    return "next-state";
  }
  llvm_unreachable("unknown declaration kind");
}

namespace {

/// Shortest decimal spelling that reads back as the same double.
void printNumber(llvm::raw_ostream &os, double v) {
  char buf[64];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), v);
  os << llvm::StringRef(buf, r.ptr - buf);
}

void printLoc(llvm::raw_ostream &os, SourceLoc loc) {
  os << " @" << loc.line << ':' << loc.col << '\n';
}

void printTypeSpec(llvm::raw_ostream &os, const TypeSpec &spec) {
  os << getElemTypeName(spec.elem);
  if (spec.dims.empty())
    return;
  os << '[';
  for (size_t i = 0; i < spec.dims.size(); ++i) {
    if (i)
      os << ", ";
    const DimSpec &d = spec.dims[i];
    if (!d.name.empty())
      os << d.name;
    else if (d.value)
      os << *d.value;
    else
      os << '?';
  }
  os << ']';
}

class ASTPrinter {
public:
  explicit ASTPrinter(llvm::raw_ostream &os) : os(os) {}

  void print(const Module &module) {
    for (const Model &model : module.models) {
      os << "model " << model.name;
      printLoc(os, model.loc);
      for (const Decl &decl : model.decls)
        print(decl, 1);
    }
  }

private:
  void print(const Decl &decl, unsigned indent) {
    os.indent(2 * indent) << getDeclKindName(decl.kind) << ' ' << decl.name;
    // Sema's resolved type is the more useful one; before Sema, show the
    // declared type as written.
    if (decl.type)
      os << " : " << decl.type->str();
    else if (decl.typeSpec) {
      os << " : ";
      printTypeSpec(os, *decl.typeSpec);
    }
    printLoc(os, decl.loc);
    if (decl.value)
      print(*decl.value, indent + 1);
  }

  void printAnnotations(const Expr &e) {
    if (e.type)
      os << " : " << e.type->str();
    if (e.constValue) {
      os << " = ";
      printNumber(os, *e.constValue);
    }
    printLoc(os, e.getLoc());
  }

  void printMissing(llvm::StringRef what, unsigned indent) {
    os.indent(2 * indent) << "<default " << what << ">\n";
  }

  // Recursion is bounded: the parser rejects trees deeper than
  // kMaxExprDepth.
  void print(const Expr &e, unsigned indent) {
    os.indent(2 * indent);
    if (const auto *num = llvm::dyn_cast<NumberExpr>(&e)) {
      os << "number ";
      printNumber(os, num->value);
      printAnnotations(e);
    } else if (const auto *name = llvm::dyn_cast<NameExpr>(&e)) {
      os << "name " << name->name;
      printAnnotations(e);
    } else if (const auto *un = llvm::dyn_cast<UnaryExpr>(&e)) {
      os << "unary '-'";
      printAnnotations(e);
      printChild(un->operand.get(), indent + 1);
    } else if (const auto *bin = llvm::dyn_cast<BinaryExpr>(&e)) {
      os << "binary '" << getBinaryOpSpelling(bin->op) << "'";
      printAnnotations(e);
      printChild(bin->lhs.get(), indent + 1);
      printChild(bin->rhs.get(), indent + 1);
    } else if (const auto *call = llvm::dyn_cast<CallExpr>(&e)) {
      os << "call " << call->callee;
      printAnnotations(e);
      for (const ExprPtr &arg : call->args)
        printChild(arg.get(), indent + 1);
    } else if (const auto *idx = llvm::dyn_cast<IndexExpr>(&e)) {
      os << "index";
      printAnnotations(e);
      printChild(idx->base.get(), indent + 1);
      printChild(idx->index.get(), indent + 1);
    } else if (const auto *sl = llvm::dyn_cast<SliceExpr>(&e)) {
      os << "slice";
      printAnnotations(e);
      printChild(sl->base.get(), indent + 1);
      if (sl->lo)
        print(*sl->lo, indent + 1);
      else
        printMissing("lower bound", indent + 1);
      if (sl->hi)
        print(*sl->hi, indent + 1);
      else
        printMissing("upper bound", indent + 1);
    } else {
      llvm_unreachable("unknown expression kind");
    }
  }

  void printChild(const Expr *e, unsigned indent) {
    // A well-formed tree has no null children; print a marker rather than
    // crash if a hand-built one does.
    if (e)
      print(*e, indent);
    else
      os.indent(2 * indent) << "<null>\n";
  }

  llvm::raw_ostream &os;
};

} // namespace

void lds::dumpAST(const Module &module, llvm::raw_ostream &os) {
  ASTPrinter(os).print(module);
}
