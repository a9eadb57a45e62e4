//===- Emitter.h - terse construction of lds ops ----------------*- C++ -*-===//
//
// Derivative code builds many small lds ops; this wrapper infers result types
// and broadcasts scalars so the derivative rules read like the math.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TRANSFORMS_EMITTER_H
#define LDS_TRANSFORMS_EMITTER_H

#include "lds/Dialect/LDSOps.h"

#include "mlir/IR/Builders.h"

namespace lds {

class Emitter {
public:
  Emitter(mlir::OpBuilder &b, mlir::Location loc, mlir::Type floatType)
      : b(b), loc(loc), floatType(floatType) {}

  mlir::OpBuilder &builder() { return b; }
  mlir::Type getFloatType() const { return floatType; }
  mlir::RankedTensorType type(llvm::ArrayRef<int64_t> shape) const {
    return mlir::RankedTensorType::get(shape, floatType);
  }
  static llvm::ArrayRef<int64_t> shape(mlir::Value v) {
    return llvm::cast<mlir::RankedTensorType>(v.getType()).getShape();
  }
  static int64_t rank(mlir::Value v) { return shape(v).size(); }

  mlir::Value constant(double value, llvm::ArrayRef<int64_t> shape);
  /// A dense constant with the given row-major values.
  mlir::Value constant(llvm::ArrayRef<double> values,
                       llvm::ArrayRef<int64_t> shape);
  mlir::Value zeros(llvm::ArrayRef<int64_t> s) { return constant(0.0, s); }
  mlir::Value ones(llvm::ArrayRef<int64_t> s) { return constant(1.0, s); }
  /// True if `v` is a constant splat of `value`.
  static bool isSplat(mlir::Value v, double value);

  /// Replicates `v` along trailing dimensions up to `shape` (no-op if equal).
  mlir::Value broadcast(mlir::Value v, llvm::ArrayRef<int64_t> shape);

  // Elementwise, with a rank-0 operand broadcast to the other's shape, and
  // zero/one constants folded away.
  mlir::Value add(mlir::Value a, mlir::Value c);
  mlir::Value sub(mlir::Value a, mlir::Value c);
  mlir::Value mul(mlir::Value a, mlir::Value c);
  mlir::Value div(mlir::Value a, mlir::Value c);
  mlir::Value neg(mlir::Value a);
  mlir::Value cmp(CmpPredicate p, mlir::Value a, mlir::Value c);
  mlir::Value select(mlir::Value cond, mlir::Value a, mlir::Value c);
  template <typename OpT> mlir::Value unary(mlir::Value a) {
    return b.create<OpT>(loc, a);
  }
  template <typename OpT> mlir::Value binary(mlir::Value a, mlir::Value c) {
    auto [x, y] = match(a, c);
    return b.create<OpT>(loc, x, y);
  }

  // Shapes and linear algebra.
  mlir::Value slice(mlir::Value v, int64_t start, int64_t end);
  mlir::Value extract(mlir::Value v, int64_t index);
  mlir::Value concat(llvm::ArrayRef<mlir::Value> parts);
  /// `v` placed at rows [offset, offset + dim0(v)) of a zero tensor with
  /// `total` rows.
  mlir::Value place(mlir::Value v, int64_t offset, int64_t total);
  mlir::Value transpose(mlir::Value m);
  /// The diagonal matrix of a vector.
  mlir::Value diag(mlir::Value v);
  /// m[i, i - offset] for each row i (0 outside the columns).
  mlir::Value diagPart(mlir::Value m, int64_t offset);
  mlir::Value matmul(mlir::Value m, mlir::Value v);
  mlir::Value dot(mlir::Value a, mlir::Value c);
  mlir::Value sum(mlir::Value v);
  /// Sums a matrix over its columns: [m, n] -> [m].
  mlir::Value rowSum(mlir::Value m);
  /// Sums a matrix over its rows: [m, n] -> [n].
  mlir::Value colSum(mlir::Value m);

private:
  std::pair<mlir::Value, mlir::Value> match(mlir::Value a, mlir::Value c);

  mlir::OpBuilder &b;
  mlir::Location loc;
  mlir::Type floatType;
};

} // namespace lds

#endif // LDS_TRANSFORMS_EMITTER_H
