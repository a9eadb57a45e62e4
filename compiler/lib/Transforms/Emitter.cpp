//===- Emitter.cpp - terse construction of lds ops ------------------------===//

#include "lds/Transforms/Emitter.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace lds;

Value Emitter::constant(double value, ArrayRef<int64_t> s) {
  RankedTensorType t = type(s);
  return b.create<ConstantOp>(
      loc, t, DenseElementsAttr::get(t, b.getFloatAttr(floatType, value)));
}

Value Emitter::constant(ArrayRef<double> values, ArrayRef<int64_t> s) {
  RankedTensorType t = type(s);
  SmallVector<Attribute> attrs;
  attrs.reserve(values.size());
  for (double v : values)
    attrs.push_back(b.getFloatAttr(floatType, v));
  return b.create<ConstantOp>(loc, t, DenseElementsAttr::get(t, attrs));
}

bool Emitter::isSplat(Value v, double value) {
  auto c = v.getDefiningOp<ConstantOp>();
  if (!c)
    return false;
  auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
  return dense && dense.isSplat() &&
         dense.getSplatValue<APFloat>().convertToDouble() == value;
}

Value Emitter::broadcast(Value v, ArrayRef<int64_t> s) {
  if (shape(v) == s)
    return v;
  auto t = cast<RankedTensorType>(v.getType());
  if (auto c = v.getDefiningOp<ConstantOp>()) {
    auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
    if (dense && dense.isSplat()) {
      auto splatType = RankedTensorType::get(s, t.getElementType());
      return b.create<ConstantOp>(loc, splatType, dense.resizeSplat(splatType));
    }
  }
  return b.create<BroadcastOp>(loc,
                               RankedTensorType::get(s, t.getElementType()), v);
}

std::pair<Value, Value> Emitter::match(Value a, Value c) {
  if (rank(a) == 0 && rank(c) != 0)
    a = broadcast(a, shape(c));
  else if (rank(c) == 0 && rank(a) != 0)
    c = broadcast(c, shape(a));
  return {a, c};
}

Value Emitter::add(Value a, Value c) {
  auto [x, y] = match(a, c);
  if (isSplat(x, 0))
    return y;
  if (isSplat(y, 0))
    return x;
  return b.create<AddOp>(loc, x, y);
}

Value Emitter::sub(Value a, Value c) {
  auto [x, y] = match(a, c);
  if (isSplat(y, 0))
    return x;
  if (isSplat(x, 0))
    return neg(y);
  return b.create<SubOp>(loc, x, y);
}

Value Emitter::mul(Value a, Value c) {
  auto [x, y] = match(a, c);
  if (isSplat(x, 1))
    return y;
  if (isSplat(y, 1))
    return x;
  if (isSplat(x, 0))
    return x;
  if (isSplat(y, 0))
    return y;
  return b.create<MulOp>(loc, x, y);
}

Value Emitter::div(Value a, Value c) {
  auto [x, y] = match(a, c);
  if (isSplat(y, 1) || isSplat(x, 0))
    return x;
  return b.create<DivOp>(loc, x, y);
}

Value Emitter::neg(Value a) {
  if (isSplat(a, 0))
    return a;
  if (auto n = a.getDefiningOp<NegOp>())
    return n.getOperand();
  return b.create<NegOp>(loc, a);
}

Value Emitter::cmp(CmpPredicate p, Value a, Value c) {
  auto [x, y] = match(a, c);
  auto t = RankedTensorType::get(shape(x), b.getI1Type());
  return b.create<CmpOp>(loc, t, p, x, y);
}

Value Emitter::select(Value cond, Value a, Value c) {
  auto [x, y] = match(a, c);
  if (rank(cond) == 0 && rank(x) != 0)
    cond = broadcast(cond, shape(x));
  if (rank(x) == 0 && rank(cond) != 0) {
    x = broadcast(x, shape(cond));
    y = broadcast(y, shape(cond));
  }
  return b.create<SelectOp>(loc, cond, x, y);
}

Value Emitter::slice(Value v, int64_t start, int64_t end) {
  if (start == 0 && end == shape(v)[0])
    return v;
  SmallVector<int64_t> s(shape(v));
  s[0] = end - start;
  return b.create<SliceOp>(loc, type(s), v, start, end);
}

Value Emitter::extract(Value v, int64_t index) {
  return b.create<ExtractOp>(loc, type(shape(v).drop_front()), v, index);
}

Value Emitter::concat(ArrayRef<Value> parts) {
  if (parts.size() == 1)
    return parts.front();
  SmallVector<int64_t> s(shape(parts.front()));
  s[0] = 0;
  for (Value p : parts)
    s[0] += shape(p)[0];
  return b.create<ConcatOp>(loc, type(s), parts);
}

Value Emitter::place(Value v, int64_t offset, int64_t total) {
  SmallVector<int64_t> s(shape(v));
  int64_t n = s[0];
  if (isSplat(v, 0)) {
    s[0] = total;
    return zeros(s);
  }
  SmallVector<Value> parts;
  if (offset > 0) {
    s[0] = offset;
    parts.push_back(zeros(s));
  }
  parts.push_back(v);
  if (offset + n < total) {
    s[0] = total - offset - n;
    parts.push_back(zeros(s));
  }
  return concat(parts);
}

Value Emitter::transpose(Value m) {
  if (auto t = m.getDefiningOp<TransposeOp>())
    return t.getOperand();
  return b.create<TransposeOp>(loc, type({shape(m)[1], shape(m)[0]}), m);
}

Value Emitter::diag(Value v) {
  int64_t n = shape(v)[0];
  return b.create<DiagOp>(loc, type({n, n}), v);
}

Value Emitter::diagPart(Value m, int64_t offset) {
  if (auto d = m.getDefiningOp<DiagOp>(); d && offset == 0)
    return d.getOperand();
  return b.create<DiagPartOp>(loc, type({shape(m)[0]}), m, offset);
}

Value Emitter::matmul(Value m, Value v) {
  SmallVector<int64_t> s{shape(m)[0]};
  if (rank(v) == 2)
    s.push_back(shape(v)[1]);
  return b.create<MatmulOp>(loc, type(s), m, v);
}

Value Emitter::dot(Value a, Value c) {
  return b.create<DotOp>(loc, type({}), a, c);
}

Value Emitter::sum(Value v) {
  if (rank(v) == 0)
    return v;
  return b.create<SumOp>(loc, type({}), v);
}

Value Emitter::rowSum(Value m) { return matmul(m, ones({shape(m)[1]})); }

Value Emitter::colSum(Value m) {
  return matmul(transpose(m), ones({shape(m)[0]}));
}
