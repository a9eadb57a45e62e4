//===- Sema.cpp - name resolution, type/shape checks, const folding -------===//
//
// Walks each model's declarations in order, resolving names (which must be
// declared before use), computing every expression's type and shape, folding
// scalar compile-time constants, and checking the rules of docs/language.md.
// Errors do not cascade: a declaration whose expression failed is poisoned
// and uses of it report nothing further.
//
//===----------------------------------------------------------------------===//

#include "lds/Frontend/Sema.h"
#include "lds/Frontend/Builtins.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

using namespace lds;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace {

/// Largest element count of a declared value (keeps index arithmetic in
/// lowerings within 32 bits).
constexpr int64_t kMaxElements = int64_t(1) << 31;

struct Symbol {
  Decl *decl = nullptr;
  ValueType type;
  std::optional<double> constValue;
  bool poisoned = false;
};

/// The value of a folded constant as an integer, or nullopt when it is not a
/// whole number. Magnitudes beyond 2^53 saturate there: every caller checks
/// the result against a far smaller range, and reports the value itself with
/// fmtNumber.
std::optional<int64_t> asInteger(std::optional<double> v) {
  if (!v || !std::isfinite(*v) || std::floor(*v) != *v)
    return std::nullopt;
  constexpr double kMaxExact = 9007199254740992.0; // 2^53
  return int64_t(std::clamp(*v, -kMaxExact, kMaxExact));
}

/// Shortest decimal spelling that reads back as the same double: `3`, `2.5`,
/// `1e+10`, `inf`, `nan`.
std::string fmtNumber(double v) {
  if (std::isnan(v))
    return "nan"; // not "-nan"
  char buf[64];
  std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

/// "a state", "an input", ...
std::string withArticle(Decl::Kind kind) {
  llvm::StringRef name = getDeclKindName(kind);
  return ((kind == Decl::Kind::Input ? "an " : "a ") + name).str();
}

/// Whether `v`, a value of the model's float type `elem`, is representable:
/// finite, and not a nonzero number that rounds to zero.
bool fitsFloatType(double v, ElemType elem) {
  if (elem != ElemType::F32)
    return std::isfinite(v);
  float f = static_cast<float>(v);
  return std::isfinite(f) && (f != 0 || v == 0);
}

class ModelChecker {
public:
  ModelChecker(Model &model, DiagnosticEngine &diags)
      : model(model), diags(diags) {}
  bool run();

private:
  using TypeOrError = std::optional<ValueType>;

  void error(SourceLoc loc, const llvm::Twine &msg) {
    diags.error(loc, msg);
    ok = false;
  }
  ValueType floatScalar() const { return ValueType{model.floatType, {}}; }

  void pickFloatType();
  bool declareName(Decl &decl);
  std::optional<ValueType> resolveTypeSpec(Decl &decl);
  void checkDecl(Decl &decl);
  void checkNextState(Decl &decl);

  TypeOrError check(Expr &e);
  TypeOrError checkName(NameExpr &e);
  TypeOrError checkUnary(UnaryExpr &e);
  TypeOrError checkBinary(BinaryExpr &e);
  TypeOrError checkCall(CallExpr &e);
  TypeOrError checkIndex(IndexExpr &e);
  TypeOrError checkSlice(SliceExpr &e);

  bool requireFloat(Expr &e, const ValueType &t);
  std::optional<llvm::SmallVector<int64_t, 3>>
  broadcast(SourceLoc loc, llvm::StringRef what,
            llvm::ArrayRef<const ValueType *> types);
  std::optional<int64_t> constIndex(Expr &e, llvm::StringRef what);

  Model &model;
  DiagnosticEngine &diags;
  bool ok = true;
  llvm::StringMap<Symbol> symbols;
  llvm::StringMap<Decl *> laterDecls; // every declared name, for messages
  llvm::StringMap<Decl *> nextStates;
  llvm::StringSet<> misplacedNextStates; // equations before their state
  const Decl *floatTypeDecl = nullptr;
};

} // namespace

//===----------------------------------------------------------------------===//
// Declarations
//===----------------------------------------------------------------------===//

void ModelChecker::pickFloatType() {
  // The first float declaration fixes the model's float type; literals that
  // appear before it (e.g. `const D = 32`) already need it.
  model.floatType = ElemType::F32;
  for (Decl &d : model.decls)
    if (d.typeSpec && d.typeSpec->elem != ElemType::I32) {
      model.floatType = d.typeSpec->elem;
      floatTypeDecl = &d;
      return;
    }
}

bool ModelChecker::declareName(Decl &decl) {
  if (isBuiltinFunction(decl.name)) {
    error(decl.loc, "'" + decl.name +
                        "' is the name of a builtin function; choose another");
    return false;
  }
  auto it = symbols.find(decl.name);
  if (it != symbols.end()) {
    error(decl.loc, "redeclaration of '" + decl.name + "'");
    diags.note(it->second.decl->loc, "previous declaration is here");
    return false;
  }
  return true;
}

std::optional<ValueType> ModelChecker::resolveTypeSpec(Decl &decl) {
  TypeSpec &spec = *decl.typeSpec;
  ValueType type;
  type.elem = spec.elem;
  int64_t count = 1;
  for (DimSpec &dim : spec.dims) {
    if (!dim.name.empty()) {
      auto it = symbols.find(dim.name);
      if (it == symbols.end()) {
        auto later = laterDecls.find(dim.name);
        if (later != laterDecls.end()) {
          error(dim.loc, "'" + dim.name + "' is used before its declaration");
          diags.note(later->second->loc, "declared here");
        } else {
          error(dim.loc, "unknown name '" + dim.name + "'");
        }
        return std::nullopt;
      }
      if (it->second.poisoned)
        return std::nullopt;
      std::optional<int64_t> v = asInteger(it->second.constValue);
      if (it->second.decl->kind != Decl::Kind::Const || !v) {
        error(dim.loc, "dimension '" + dim.name + "' must be an integer const");
        return std::nullopt;
      }
      dim.value = *v;
    }
    if (*dim.value < 1) {
      // A const's own value: asInteger saturates huge ones.
      std::string shown = dim.name.empty()
                              ? std::to_string(*dim.value)
                              : fmtNumber(*symbols[dim.name].constValue);
      error(dim.loc, "dimension must be a positive integer, got " + shown);
      return std::nullopt;
    }
    if (*dim.value > kMaxElements || count * *dim.value > kMaxElements) {
      error(dim.loc,
            "'" + decl.name + "' has too many elements (the limit is 2^31)");
      return std::nullopt;
    }
    count *= *dim.value;
    type.shape.push_back(*dim.value);
  }

  bool isFloat = type.isFloat();
  size_t rank = type.shape.size();
  switch (decl.kind) {
  case Decl::Kind::State:
    if (!isFloat || rank > 1) {
      error(spec.loc,
            "a state must be a float scalar or vector, got " + type.str());
      return std::nullopt;
    }
    break;
  case Decl::Kind::Input:
    if ((isFloat && rank > 1) || (!isFloat && rank != 0)) {
      error(spec.loc, "an input must be a float scalar or vector, or an i32 "
                      "scalar, got " +
                          type.str());
      return std::nullopt;
    }
    break;
  case Decl::Kind::Param:
    if (!isFloat || rank > 3) {
      error(spec.loc, "a param must be a float tensor of rank at most 3, got " +
                          type.str());
      return std::nullopt;
    }
    break;
  default:
    break;
  }
  if (isFloat && type.elem != model.floatType) {
    error(spec.loc,
          llvm::formatv("model '{0}' mixes float types: '{1}' is "
                        "{2} but '{3}' is {4}",
                        model.name, decl.name, getElemTypeName(type.elem),
                        floatTypeDecl->name, getElemTypeName(model.floatType)));
    diags.note(floatTypeDecl->typeSpec->loc,
               "the model's float type is set here");
    return std::nullopt;
  }
  return type;
}

void ModelChecker::checkDecl(Decl &decl) {
  if (decl.kind == Decl::Kind::Next)
    return checkNextState(decl);
  if (!declareName(decl))
    return;
  Symbol sym;
  sym.decl = &decl;
  if (decl.typeSpec) {
    std::optional<ValueType> t = resolveTypeSpec(decl);
    sym.poisoned = !t;
    if (t)
      sym.type = *t;
  } else {
    TypeOrError t = check(*decl.value);
    // A let may hold a bool (for select) but not an i32 input: that may
    // only appear as an index.
    if (t && t->elem == ElemType::I32) {
      requireFloat(*decl.value, *t);
      t.reset();
    }
    sym.poisoned = !t;
    if (t) {
      sym.type = *t;
      sym.constValue = decl.value->constValue;
    }
    if (t && decl.kind == Decl::Kind::Const) {
      if (!sym.constValue) {
        error(decl.value->getLoc(),
              "const '" + decl.name +
                  "' must be a compile-time scalar (literals, consts and "
                  "builtins of them)");
        sym.poisoned = true;
      } else if (!std::isfinite(*sym.constValue)) {
        error(decl.value->getLoc(), "const '" + decl.name +
                                        "' is not finite (" +
                                        fmtNumber(*sym.constValue) + ")");
        sym.poisoned = true;
      } else if (!fitsFloatType(*sym.constValue, model.floatType)) {
        error(decl.value->getLoc(),
              "const '" + decl.name + "' is out of range for " +
                  getElemTypeName(model.floatType) + " (" +
                  fmtNumber(*sym.constValue) + ")");
        sym.poisoned = true;
      }
    }
  }
  if (!sym.poisoned)
    decl.type = sym.type;
  symbols[decl.name] = sym;
}

void ModelChecker::checkNextState(Decl &decl) {
  auto it = symbols.find(decl.name);
  Decl *target = it == symbols.end() ? nullptr : it->second.decl;
  if (!target) {
    auto later = laterDecls.find(decl.name);
    if (later != laterDecls.end() && later->second->kind == Decl::Kind::State) {
      error(decl.loc, "next-state equation for '" + decl.name +
                          "' comes before its state declaration");
      diags.note(later->second->loc, "the state is declared here");
      // The state has an equation, if misplaced: do not also report it as
      // missing.
      misplacedNextStates.insert(decl.name);
    } else {
      error(decl.loc, "next-state equation for '" + decl.name +
                          "', which is not a state");
    }
    return;
  }
  if (target->kind != Decl::Kind::State) {
    error(decl.loc, "next-state equation for '" + decl.name + "', which is " +
                        withArticle(target->kind) + ", not a state");
    return;
  }
  auto [prev, inserted] = nextStates.try_emplace(decl.name, &decl);
  if (!inserted) {
    error(decl.loc,
          "state '" + decl.name + "' already has a next-state equation");
    diags.note(prev->second->loc, "the first one is here");
    return;
  }
  TypeOrError t = check(*decl.value);
  if (!t || it->second.poisoned)
    return;
  if (!requireFloat(*decl.value, *t))
    return;
  const ValueType &stateType = it->second.type;
  if (*t != stateType && !t->isScalar()) {
    error(decl.value->getLoc(), "next-state of '" + decl.name + "' has type " +
                                    t->str() + " but '" + decl.name + "' is " +
                                    stateType.str());
    return;
  }
  decl.type = stateType;
}

bool ModelChecker::run() {
  pickFloatType();
  for (Decl &d : model.decls)
    if (d.kind != Decl::Kind::Next)
      laterDecls.try_emplace(d.name, &d);
  for (Decl &d : model.decls) {
    if (diags.isSaturated())
      return false;
    checkDecl(d);
  }
  bool anyState = false;
  for (Decl &d : model.decls) {
    if (d.kind != Decl::Kind::State)
      continue;
    anyState = true;
    if (!nextStates.count(d.name) && !misplacedNextStates.count(d.name) &&
        symbols[d.name].decl == &d)
      error(d.loc, "state '" + d.name + "' has no next-state equation (" +
                       d.name + "' = ...)");
  }
  if (!anyState)
    error(model.loc, "model '" + model.name +
                         "' declares no state (add `state NAME : TYPE`)");
  return ok;
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

bool ModelChecker::requireFloat(Expr &e, const ValueType &t) {
  if (t.isFloat())
    return true;
  if (t.elem == ElemType::I32) {
    if (auto *name = dyn_cast<NameExpr>(&e))
      error(e.getLoc(), "'" + name->name +
                            "' is an integer (i32) input; it can only be used "
                            "as an index, as in P[" +
                            name->name + "]");
    else
      error(e.getLoc(),
            "an integer (i32) value can only be used as an index, as in P[w]");
  } else {
    error(e.getLoc(), "a comparison result can only be the condition of "
                      "select(cond, a, b)");
  }
  return false;
}

std::optional<llvm::SmallVector<int64_t, 3>>
ModelChecker::broadcast(SourceLoc loc, llvm::StringRef what,
                        llvm::ArrayRef<const ValueType *> types) {
  const ValueType *shaped = nullptr;
  for (const ValueType *t : types) {
    if (t->isScalar())
      continue;
    if (shaped && shaped->shape != t->shape) {
      std::string list;
      for (auto [i, u] : llvm::enumerate(types))
        list +=
            (i == 0 ? "" : (i + 1 == types.size() ? " and " : ", ")) + u->str();
      error(loc, "shape mismatch in " + what + ": " + list);
      return std::nullopt;
    }
    shaped = t;
  }
  if (!shaped)
    return llvm::SmallVector<int64_t, 3>{};
  return shaped->shape;
}

ModelChecker::TypeOrError ModelChecker::check(Expr &e) {
  TypeOrError t;
  switch (e.getKind()) {
  case Expr::Kind::Number: {
    double v = cast<NumberExpr>(e).value;
    if (!fitsFloatType(v, model.floatType)) {
      // The lexer has rejected what a double cannot hold; an f32 model's
      // literals must also fit in f32.
      error(e.getLoc(), "number " + fmtNumber(v) + " is out of range for " +
                            getElemTypeName(model.floatType));
      break;
    }
    e.constValue = v;
    t = floatScalar();
    break;
  }
  case Expr::Kind::Name:
    t = checkName(cast<NameExpr>(e));
    break;
  case Expr::Kind::Unary:
    t = checkUnary(cast<UnaryExpr>(e));
    break;
  case Expr::Kind::Binary:
    t = checkBinary(cast<BinaryExpr>(e));
    break;
  case Expr::Kind::Call:
    t = checkCall(cast<CallExpr>(e));
    break;
  case Expr::Kind::Index:
    t = checkIndex(cast<IndexExpr>(e));
    break;
  case Expr::Kind::Slice:
    t = checkSlice(cast<SliceExpr>(e));
    break;
  }
  e.type = t;
  if (!t || !t->isFloat() || !t->isScalar())
    e.constValue.reset();
  return t;
}

ModelChecker::TypeOrError ModelChecker::checkName(NameExpr &e) {
  auto it = symbols.find(e.name);
  if (it == symbols.end()) {
    auto later = laterDecls.find(e.name);
    if (later != laterDecls.end()) {
      error(e.getLoc(), "'" + e.name + "' is used before its declaration");
      diags.note(later->second->loc, "declared here");
    } else if (isBuiltinFunction(e.name)) {
      error(e.getLoc(),
            "'" + e.name + "' is a function; call it as " + e.name + "(...)");
    } else {
      error(e.getLoc(), "unknown name '" + e.name + "'");
    }
    return std::nullopt;
  }
  if (it->second.poisoned)
    return std::nullopt;
  e.constValue = it->second.constValue;
  return it->second.type;
}

ModelChecker::TypeOrError ModelChecker::checkUnary(UnaryExpr &e) {
  TypeOrError t = check(*e.operand);
  if (!t || !requireFloat(*e.operand, *t))
    return std::nullopt;
  if (e.operand->constValue)
    e.constValue = -*e.operand->constValue;
  return t;
}

ModelChecker::TypeOrError ModelChecker::checkBinary(BinaryExpr &e) {
  TypeOrError l = check(*e.lhs);
  TypeOrError r = check(*e.rhs);
  if (!l || !r)
    return std::nullopt;
  if (!requireFloat(*e.lhs, *l) || !requireFloat(*e.rhs, *r))
    return std::nullopt;
  std::string opName = ("'" + getBinaryOpSpelling(e.op) + "'").str();

  if (e.op == BinaryOp::MatMul) {
    auto mismatch = [&]() -> TypeOrError {
      error(e.getLoc(),
            "shape mismatch in '@': " + l->str() + " and " + r->str());
      return std::nullopt;
    };
    size_t lr = l->shape.size(), rr = r->shape.size();
    ValueType out{model.floatType, {}};
    if (lr == 2 && (rr == 1 || rr == 2)) {
      if (l->shape[1] != r->shape[0])
        return mismatch();
      out.shape.push_back(l->shape[0]);
      if (rr == 2)
        out.shape.push_back(r->shape[1]);
      return out;
    }
    if (lr == 1 && rr == 2) {
      if (l->shape[0] != r->shape[0])
        return mismatch();
      out.shape.push_back(r->shape[1]);
      return out;
    }
    error(e.getLoc(),
          "'@' needs matrix @ vector, matrix @ matrix or vector @ matrix, "
          "got " +
              l->str() + " and " + r->str() +
              (lr <= 1 && rr <= 1 ? " (use dot(a, b) or '*')" : ""));
    return std::nullopt;
  }

  auto shape = broadcast(e.getLoc(), opName, {&*l, &*r});
  if (!shape)
    return std::nullopt;
  bool isCompare = e.op >= BinaryOp::Lt;
  ValueType out{isCompare ? ElemType::Bool : model.floatType, *shape};
  if (!isCompare && e.lhs->constValue && e.rhs->constValue) {
    double a = *e.lhs->constValue, b = *e.rhs->constValue;
    switch (e.op) {
    case BinaryOp::Add:
      e.constValue = a + b;
      break;
    case BinaryOp::Sub:
      e.constValue = a - b;
      break;
    case BinaryOp::Mul:
      e.constValue = a * b;
      break;
    case BinaryOp::Div:
      e.constValue = a / b;
      break;
    default:
      break;
    }
  }
  return out;
}

std::optional<int64_t> ModelChecker::constIndex(Expr &e, llvm::StringRef what) {
  TypeOrError t = check(e);
  if (!t || !requireFloat(e, *t))
    return std::nullopt;
  std::optional<int64_t> v = asInteger(e.constValue);
  if (!v) {
    if (e.constValue)
      error(e.getLoc(),
            what + " must be an integer, got " + fmtNumber(*e.constValue));
    else
      error(e.getLoc(), what + " must be a compile-time integer constant");
  }
  return v;
}

ModelChecker::TypeOrError ModelChecker::checkIndex(IndexExpr &e) {
  TypeOrError base = check(*e.base);
  if (!base || !requireFloat(*e.base, *base))
    return std::nullopt;
  if (base->isScalar()) {
    error(e.getLoc(), "cannot index a scalar (" + base->str() + ")");
    return std::nullopt;
  }
  ValueType out{model.floatType,
                llvm::SmallVector<int64_t, 3>(
                    llvm::ArrayRef<int64_t>(base->shape).drop_front())};
  // An i32 input gathers; anything else must be a constant integer.
  if (auto *name = dyn_cast<NameExpr>(e.index.get())) {
    auto it = symbols.find(name->name);
    if (it != symbols.end() && !it->second.poisoned &&
        it->second.type.elem == ElemType::I32) {
      name->type = it->second.type;
      return out;
    }
  }
  std::optional<int64_t> i = constIndex(*e.index, "an index");
  if (!i)
    return std::nullopt;
  if (*i < 0 || *i >= base->shape[0]) {
    error(e.index->getLoc(), "index " + fmtNumber(*e.index->constValue) +
                                 " is out of range for " + base->str());
    return std::nullopt;
  }
  return out;
}

ModelChecker::TypeOrError ModelChecker::checkSlice(SliceExpr &e) {
  TypeOrError base = check(*e.base);
  if (!base || !requireFloat(*e.base, *base))
    return std::nullopt;
  if (base->isScalar()) {
    error(e.getLoc(), "cannot slice a scalar (" + base->str() + ")");
    return std::nullopt;
  }
  int64_t dim = base->shape[0];
  std::optional<int64_t> lo = 0, hi = dim;
  if (e.lo)
    lo = constIndex(*e.lo, "a slice bound");
  if (e.hi)
    hi = constIndex(*e.hi, "a slice bound");
  if (!lo || !hi)
    return std::nullopt;
  // Spelled from the folded values, which asInteger may have saturated.
  std::string loStr = e.lo ? fmtNumber(*e.lo->constValue) : "0";
  std::string hiStr = e.hi ? fmtNumber(*e.hi->constValue) : std::to_string(dim);
  if (*lo < 0 || *hi > dim || *lo > *hi) {
    error(e.getLoc(), llvm::formatv("slice [{0}:{1}] is out of range for {2}",
                                    loStr, hiStr, base->str()));
    return std::nullopt;
  }
  if (*lo == *hi) {
    error(e.getLoc(), llvm::formatv("slice [{0}:{1}] is empty", loStr, hiStr));
    return std::nullopt;
  }
  ValueType out = *base;
  out.shape[0] = *hi - *lo;
  return out;
}

//===----------------------------------------------------------------------===//
// Builtin calls
//===----------------------------------------------------------------------===//

ModelChecker::TypeOrError ModelChecker::checkCall(CallExpr &e) {
  const BuiltinInfo *info = lookupBuiltin(e.callee);
  if (!info) {
    if (symbols.count(e.callee) || laterDecls.count(e.callee))
      error(e.getLoc(), "'" + e.callee + "' is not a function");
    else
      error(e.getLoc(), "unknown function '" + e.callee + "'");
    return std::nullopt;
  }
  size_t n = e.args.size();
  if (n < info->minArgs || n > info->maxArgs) {
    std::string expected;
    if (info->minArgs == info->maxArgs)
      expected = llvm::formatv("{0} argument{1}", info->minArgs,
                               info->minArgs == 1 ? "" : "s");
    else if (info->maxArgs == kVariadic)
      expected = llvm::formatv("at least {0} argument{1}", info->minArgs,
                               info->minArgs == 1 ? "" : "s");
    else
      expected =
          llvm::formatv("{0} or {1} arguments", info->minArgs, info->maxArgs);
    error(e.getLoc(),
          llvm::formatv("'{0}' takes {1}, got {2}", e.callee, expected, n));
    return std::nullopt;
  }

  // grad's second argument names a state; it is not evaluated as a value.
  if (info->kind == BuiltinKind::Grad) {
    TypeOrError s = check(*e.args[0]);
    auto *wrt = dyn_cast<NameExpr>(e.args[1].get());
    if (!s)
      return std::nullopt;
    if (!requireFloat(*e.args[0], *s))
      return std::nullopt;
    if (!s->isScalar()) {
      error(e.args[0]->getLoc(),
            "'grad' differentiates a scalar, got " + s->str());
      return std::nullopt;
    }
    if (!wrt) {
      error(e.args[1]->getLoc(),
            "the second argument of 'grad' must name a state");
      return std::nullopt;
    }
    TypeOrError x = checkName(*wrt);
    if (!x)
      return std::nullopt;
    wrt->type = x;
    Decl *d = symbols[wrt->name].decl;
    if (d->kind != Decl::Kind::State) {
      error(wrt->getLoc(), "'grad' differentiates with respect to a state, "
                           "but '" +
                               wrt->name + "' is " + withArticle(d->kind));
      return std::nullopt;
    }
    return x;
  }

  llvm::SmallVector<ValueType, 4> types;
  for (ExprPtr &arg : e.args) {
    TypeOrError t = check(*arg);
    if (!t)
      return std::nullopt;
    // select's condition is the one bool operand a builtin accepts.
    bool isCond = info->kind == BuiltinKind::Select && types.empty();
    if (isCond) {
      if (t->elem != ElemType::Bool) {
        error(arg->getLoc(),
              "the condition of 'select' must be a comparison, got " +
                  t->str());
        return std::nullopt;
      }
    } else if (!requireFloat(*arg, *t)) {
      return std::nullopt;
    }
    types.push_back(*t);
  }
  std::string what = "'" + e.callee + "'";
  ValueType scalar = floatScalar();

  auto foldArgs = [&](auto fn) {
    if (llvm::all_of(
            e.args, [](const ExprPtr &a) { return a->constValue.has_value(); }))
      e.constValue = fn();
  };

  switch (info->kind) {
  case BuiltinKind::Unary:
    foldArgs(
        [&] { return evalUnaryBuiltin(e.callee, *e.args[0]->constValue); });
    return types[0];
  case BuiltinKind::Binary:
  case BuiltinKind::MaxMin: {
    if (n == 1) { // max(v) / min(v) reduce
      if (e.args[0]->constValue)
        e.constValue = e.args[0]->constValue;
      return scalar;
    }
    auto shape = broadcast(e.getLoc(), what, {&types[0], &types[1]});
    if (!shape)
      return std::nullopt;
    foldArgs([&] {
      return evalBinaryBuiltin(e.callee, *e.args[0]->constValue,
                               *e.args[1]->constValue);
    });
    return ValueType{model.floatType, *shape};
  }
  case BuiltinKind::Sum:
    if (e.args[0]->constValue)
      e.constValue = e.args[0]->constValue;
    return scalar;
  case BuiltinKind::Dot:
    if (types[0].shape.size() != 1 || types[0] != types[1]) {
      error(e.getLoc(), "'dot' needs two vectors of equal length, got " +
                            types[0].str() + " and " + types[1].str());
      return std::nullopt;
    }
    return scalar;
  case BuiltinKind::Transpose:
    if (types[0].shape.size() != 2) {
      error(e.getLoc(), "'transpose' needs a matrix, got " + types[0].str());
      return std::nullopt;
    }
    return ValueType{model.floatType, {types[0].shape[1], types[0].shape[0]}};
  case BuiltinKind::Concat:
  case BuiltinKind::LogSumExp: {
    if (info->kind == BuiltinKind::LogSumExp && n == 1) {
      if (e.args[0]->constValue)
        e.constValue = e.args[0]->constValue;
      return scalar;
    }
    int64_t total = 0;
    for (auto [arg, t] : llvm::zip(e.args, types)) {
      if (t.shape.size() > 1) {
        error(arg->getLoc(),
              what + " joins scalars and vectors, got " + t.str());
        return std::nullopt;
      }
      total += t.getNumElements();
    }
    if (info->kind == BuiltinKind::LogSumExp) {
      foldArgs([&] {
        llvm::SmallVector<double, 4> vals;
        for (ExprPtr &a : e.args)
          vals.push_back(*a->constValue);
        return evalLogSumExp(vals);
      });
      return scalar;
    }
    return ValueType{model.floatType, {total}};
  }
  case BuiltinKind::Select: {
    auto shape = broadcast(e.getLoc(), what, {&types[0], &types[1], &types[2]});
    if (!shape)
      return std::nullopt;
    return ValueType{model.floatType, *shape};
  }
  case BuiltinKind::Grad:
    break;
  }
  return std::nullopt;
}

bool lds::checkModule(Module &module, DiagnosticEngine &diags,
                      bool promoteToF64) {
  if (promoteToF64)
    for (Model &m : module.models)
      for (Decl &d : m.decls)
        if (d.typeSpec && d.typeSpec->elem == ElemType::F32)
          d.typeSpec->elem = ElemType::F64;
  bool ok = true;
  llvm::StringMap<const Model *> names;
  for (Model &m : module.models) {
    auto [it, inserted] = names.try_emplace(m.name, &m);
    if (!inserted) {
      diags.error(m.loc, "redefinition of model '" + m.name + "'");
      diags.note(it->second->loc, "previous definition is here");
      ok = false;
      continue;
    }
    ok &= ModelChecker(m, diags).run();
    if (diags.isSaturated())
      return false;
  }
  return ok;
}
