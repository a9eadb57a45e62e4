//===- MLIRGen.cpp - AST to the lds dialect -------------------------------===//
//
// A direct translation of the checked AST: declarations become lds.state /
// lds.input / lds.param ops, folded scalar constants become lds.constant,
// scalar operands of elementwise ops are broadcast explicitly, and the
// next-state values are yielded in state declaration order.
//
//===----------------------------------------------------------------------===//

#include "lds/Compiler/MLIRGen.h"
#include "lds/Dialect/LDSOps.h"
#include "lds/Frontend/Builtins.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Casting.h"

using namespace lds;
using llvm::cast;
using llvm::dyn_cast;
using mlir::Value;

namespace {

class ModelGen {
public:
  ModelGen(mlir::OpBuilder &builder, mlir::StringAttr file, const Model &model)
      : builder(builder), file(file), model(model) {}

  void emit();

private:
  mlir::Location loc(SourceLoc l) {
    return mlir::FileLineColLoc::get(file, l.line, l.col);
  }
  mlir::Type elemType(ElemType t) {
    switch (t) {
    case ElemType::F32:
      return builder.getF32Type();
    case ElemType::F64:
      return builder.getF64Type();
    case ElemType::I32:
      return builder.getI32Type();
    case ElemType::Bool:
      return builder.getI1Type();
    }
    return {};
  }
  mlir::RankedTensorType tensorType(const ValueType &t) {
    return mlir::RankedTensorType::get(t.shape, elemType(t.elem));
  }
  mlir::RankedTensorType floatType(llvm::ArrayRef<int64_t> shape) {
    return mlir::RankedTensorType::get(shape, elemType(model.floatType));
  }

  Value constant(mlir::Location l, double v, llvm::ArrayRef<int64_t> shape);
  Value broadcastTo(Value v, llvm::ArrayRef<int64_t> shape);
  Value gen(const Expr &e);
  Value genBinary(const BinaryExpr &e);
  Value genCall(const CallExpr &e);
  Value genUnaryBuiltin(mlir::Location l, llvm::StringRef name, Value x);
  Value toVector(Value v);

  mlir::OpBuilder &builder;
  mlir::StringAttr file;
  const Model &model;
  llvm::StringMap<Value> values;
};

} // namespace

Value ModelGen::constant(mlir::Location l, double v,
                         llvm::ArrayRef<int64_t> shape) {
  mlir::RankedTensorType type = floatType(shape);
  mlir::Attribute elem = builder.getFloatAttr(type.getElementType(), v);
  return builder.create<ConstantOp>(l, type,
                                    mlir::DenseElementsAttr::get(type, elem));
}

Value ModelGen::broadcastTo(Value v, llvm::ArrayRef<int64_t> shape) {
  auto type = cast<mlir::RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  // A broadcast constant is just a splat constant.
  if (auto c = v.getDefiningOp<ConstantOp>()) {
    auto dense = cast<mlir::DenseElementsAttr>(c.getValue());
    auto splatType = mlir::RankedTensorType::get(shape, type.getElementType());
    Value splat = builder.create<ConstantOp>(v.getLoc(), splatType,
                                             dense.resizeSplat(splatType));
    if (c->use_empty())
      c->erase();
    return splat;
  }
  return builder.create<BroadcastOp>(
      v.getLoc(), mlir::RankedTensorType::get(shape, type.getElementType()), v);
}

/// A scalar becomes a 1-element vector (for concat).
Value ModelGen::toVector(Value v) {
  auto type = cast<mlir::RankedTensorType>(v.getType());
  if (type.getRank() == 1)
    return v;
  return broadcastTo(v, {1});
}

Value ModelGen::gen(const Expr &e) {
  mlir::Location l = loc(e.getLoc());
  // Folded scalars (literals, consts, expressions of them) are constants.
  if (e.constValue && e.type && e.type->isFloat() && e.type->isScalar())
    return constant(l, *e.constValue, {});

  switch (e.getKind()) {
  case Expr::Kind::Number:
    return constant(l, cast<NumberExpr>(e).value, {});
  case Expr::Kind::Name:
    return values.lookup(cast<NameExpr>(e).name);
  case Expr::Kind::Unary:
    return builder.create<NegOp>(l, gen(*cast<UnaryExpr>(e).operand));
  case Expr::Kind::Binary:
    return genBinary(cast<BinaryExpr>(e));
  case Expr::Kind::Call:
    return genCall(cast<CallExpr>(e));
  case Expr::Kind::Index: {
    const auto &ie = cast<IndexExpr>(e);
    Value base = gen(*ie.base);
    mlir::RankedTensorType type = tensorType(*e.type);
    if (ie.index->type && ie.index->type->elem == ElemType::I32)
      return builder.create<GatherOp>(l, type, base, gen(*ie.index));
    return builder.create<ExtractOp>(l, type, base,
                                     int64_t(*ie.index->constValue));
  }
  case Expr::Kind::Slice: {
    const auto &se = cast<SliceExpr>(e);
    Value base = gen(*se.base);
    int64_t dim = cast<mlir::RankedTensorType>(base.getType()).getDimSize(0);
    int64_t lo = se.lo ? int64_t(*se.lo->constValue) : 0;
    int64_t hi = se.hi ? int64_t(*se.hi->constValue) : dim;
    if (lo == 0 && hi == dim)
      return base;
    return builder.create<SliceOp>(l, tensorType(*e.type), base, lo, hi);
  }
  }
  return {};
}

Value ModelGen::genBinary(const BinaryExpr &e) {
  mlir::Location l = loc(e.getLoc());
  Value lhs = gen(*e.lhs), rhs = gen(*e.rhs);
  mlir::RankedTensorType type = tensorType(*e.type);
  if (e.op == BinaryOp::MatMul) {
    if (e.lhs->type->shape.size() == 1) { // v @ M = transpose(M) @ v
      auto mt = cast<mlir::RankedTensorType>(rhs.getType());
      Value t = builder.create<TransposeOp>(
          l, floatType({mt.getDimSize(1), mt.getDimSize(0)}), rhs);
      return builder.create<MatmulOp>(l, type, t, lhs);
    }
    return builder.create<MatmulOp>(l, type, lhs, rhs);
  }
  lhs = broadcastTo(lhs, type.getShape());
  rhs = broadcastTo(rhs, type.getShape());
  auto cmp = [&](CmpPredicate p) -> Value {
    return builder.create<CmpOp>(l, type, p, lhs, rhs);
  };
  switch (e.op) {
  case BinaryOp::Add:
    return builder.create<AddOp>(l, lhs, rhs);
  case BinaryOp::Sub:
    return builder.create<SubOp>(l, lhs, rhs);
  case BinaryOp::Mul:
    return builder.create<MulOp>(l, lhs, rhs);
  case BinaryOp::Div:
    return builder.create<DivOp>(l, lhs, rhs);
  case BinaryOp::Lt:
    return cmp(CmpPredicate::lt);
  case BinaryOp::Le:
    return cmp(CmpPredicate::le);
  case BinaryOp::Gt:
    return cmp(CmpPredicate::gt);
  case BinaryOp::Ge:
    return cmp(CmpPredicate::ge);
  case BinaryOp::Eq:
    return cmp(CmpPredicate::eq);
  case BinaryOp::Ne:
    return cmp(CmpPredicate::ne);
  case BinaryOp::MatMul:
    break;
  }
  return {};
}

Value ModelGen::genUnaryBuiltin(mlir::Location l, llvm::StringRef name,
                                Value x) {
  if (name == "tanh")
    return builder.create<TanhOp>(l, x);
  if (name == "sigmoid")
    return builder.create<SigmoidOp>(l, x);
  if (name == "exp")
    return builder.create<ExpOp>(l, x);
  if (name == "log")
    return builder.create<LogOp>(l, x);
  if (name == "log1p")
    return builder.create<Log1pOp>(l, x);
  if (name == "softplus")
    return builder.create<SoftplusOp>(l, x);
  if (name == "relu")
    return builder.create<ReluOp>(l, x);
  if (name == "sqrt")
    return builder.create<SqrtOp>(l, x);
  if (name == "abs")
    return builder.create<AbsOp>(l, x);
  if (name == "sin")
    return builder.create<SinOp>(l, x);
  assert(name == "cos" && "every unary builtin has an op");
  return builder.create<CosOp>(l, x);
}

Value ModelGen::genCall(const CallExpr &e) {
  mlir::Location l = loc(e.getLoc());
  const BuiltinInfo *info = lookupBuiltin(e.callee);
  mlir::RankedTensorType type = tensorType(*e.type);

  if (info->kind == BuiltinKind::Grad) {
    Value value = gen(*e.args[0]);
    Value wrt = values.lookup(cast<NameExpr>(*e.args[1]).name);
    return builder.create<GradOp>(l, value, wrt);
  }

  llvm::SmallVector<Value, 4> args;
  for (const ExprPtr &a : e.args)
    args.push_back(gen(*a));
  auto isScalar = [](Value v) {
    return cast<mlir::RankedTensorType>(v.getType()).getRank() == 0;
  };

  switch (info->kind) {
  case BuiltinKind::Unary:
    return genUnaryBuiltin(l, e.callee, args[0]);
  case BuiltinKind::Binary:
  case BuiltinKind::MaxMin: {
    bool isMax = e.callee == "max";
    if (args.size() == 1) {
      if (isScalar(args[0]))
        return args[0];
      if (isMax)
        return builder.create<ReduceMaxOp>(l, type, args[0]);
      return builder.create<ReduceMinOp>(l, type, args[0]);
    }
    Value a = broadcastTo(args[0], type.getShape());
    Value b = broadcastTo(args[1], type.getShape());
    if (e.callee == "pow")
      return builder.create<PowOp>(l, a, b);
    if (isMax)
      return builder.create<MaxOp>(l, a, b);
    return builder.create<MinOp>(l, a, b);
  }
  case BuiltinKind::Sum:
    if (isScalar(args[0]))
      return args[0];
    return builder.create<SumOp>(l, type, args[0]);
  case BuiltinKind::Dot:
    return builder.create<DotOp>(l, type, args[0], args[1]);
  case BuiltinKind::Transpose:
    return builder.create<TransposeOp>(l, type, args[0]);
  case BuiltinKind::Concat:
  case BuiltinKind::LogSumExp: {
    bool isLse = info->kind == BuiltinKind::LogSumExp;
    if (isLse && args.size() == 1 && isScalar(args[0]))
      return args[0];
    Value joined = args[0];
    if (args.size() > 1 || !isLse) {
      llvm::SmallVector<Value, 4> vectors;
      int64_t total = 0;
      for (Value a : args) {
        vectors.push_back(toVector(a));
        total += cast<mlir::RankedTensorType>(vectors.back().getType())
                     .getNumElements();
      }
      joined = vectors.size() == 1
                   ? vectors[0]
                   : builder.create<ConcatOp>(l, floatType({total}), vectors)
                         .getResult();
    }
    if (!isLse)
      return joined;
    return builder.create<LogSumExpOp>(l, type, joined);
  }
  case BuiltinKind::Select: {
    Value c = broadcastTo(args[0], type.getShape());
    return builder.create<SelectOp>(l, c, broadcastTo(args[1], type.getShape()),
                                    broadcastTo(args[2], type.getShape()));
  }
  case BuiltinKind::Grad:
    break;
  }
  return {};
}

void ModelGen::emit() {
  auto modelOp = builder.create<ModelOp>(loc(model.loc), model.name);
  mlir::Block *body = builder.createBlock(&modelOp.getBody());
  builder.setInsertionPointToEnd(body);

  llvm::SmallVector<const Decl *> states;
  llvm::StringMap<Value> next;
  for (const Decl &d : model.decls) {
    mlir::Location l = loc(d.loc);
    switch (d.kind) {
    case Decl::Kind::State:
      values[d.name] = builder.create<StateOp>(l, tensorType(*d.type), d.name);
      states.push_back(&d);
      break;
    case Decl::Kind::Input:
      values[d.name] = builder.create<InputOp>(l, tensorType(*d.type), d.name);
      break;
    case Decl::Kind::Param:
      values[d.name] = builder.create<ParamOp>(l, tensorType(*d.type), d.name);
      break;
    case Decl::Kind::Const:
      break; // folded into its uses
    case Decl::Kind::Let:
      values[d.name] = gen(*d.value);
      break;
    case Decl::Kind::Next:
      next[d.name] = broadcastTo(gen(*d.value), d.type->shape);
      break;
    }
  }
  llvm::SmallVector<Value> yielded;
  for (const Decl *s : states)
    yielded.push_back(next.lookup(s->name));
  builder.create<YieldOp>(loc(model.loc), yielded);
  builder.setInsertionPointAfter(modelOp);
}

mlir::OwningOpRef<mlir::ModuleOp> lds::mlirGen(mlir::MLIRContext &context,
                                               const Module &module,
                                               llvm::StringRef filename) {
  context.loadDialect<LDSDialect>();
  mlir::OpBuilder builder(&context);
  mlir::StringAttr file = builder.getStringAttr(filename);
  mlir::OwningOpRef<mlir::ModuleOp> result =
      mlir::ModuleOp::create(mlir::FileLineColLoc::get(file, 0, 0));
  builder.setInsertionPointToEnd(result->getBody());
  for (const Model &m : module.models)
    ModelGen(builder, file, m).emit();
  return result;
}
