// RUN: lds-opt %s --lds-expand-grad --canonicalize --cse | FileCheck %s --enable-var-scope

// grad of the quadratic form dot(x, L x) is L x + Lᵀ x.
// CHECK-LABEL: func.func @quadratic(
// CHECK-SAME: %[[X:.*]]: tensor<3xf64>, %[[L:.*]]: tensor<3x3xf64>
// CHECK-NOT: lds.grad
// CHECK-DAG: %[[LX:.*]] = lds.matmul %[[L]], %[[X]]
// CHECK-DAG: %[[LT:.*]] = lds.transpose %[[L]]
// CHECK-DAG: %[[LTX:.*]] = lds.matmul %[[LT]], %[[X]]
// CHECK: %[[G:.*]] = lds.add %[[LX]], %[[LTX]]
// CHECK: return %[[G]]
func.func @quadratic(%x: tensor<3xf64>, %L: tensor<3x3xf64>) -> tensor<3xf64> {
  %lx = lds.matmul %L, %x : tensor<3x3xf64>, tensor<3xf64> -> tensor<3xf64>
  %q = lds.dot %x, %lx : tensor<3xf64> -> tensor<f64>
  %g = lds.grad %q wrt %x : tensor<f64>, tensor<3xf64>
  return %g : tensor<3xf64>
}

// grad of sum(tanh(x)) is 1 - tanh(x)^2, elementwise.
// CHECK-LABEL: func.func @tanh_sum(
// CHECK-SAME: %[[X:.*]]: tensor<4xf32>
// CHECK-DAG: %[[ONE:.*]] = lds.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-DAG: %[[T:.*]] = lds.tanh %[[X]]
// CHECK: %[[T2:.*]] = lds.mul %[[T]], %[[T]]
// CHECK: %[[D:.*]] = lds.sub %[[ONE]], %[[T2]]
// CHECK: return %[[D]]
func.func @tanh_sum(%x: tensor<4xf32>) -> tensor<4xf32> {
  %t = lds.tanh %x : tensor<4xf32>
  %s = lds.sum %t : tensor<4xf32> -> tensor<f32>
  %g = lds.grad %s wrt %x : tensor<f32>, tensor<4xf32>
  return %g : tensor<4xf32>
}

// A value that does not depend on x has a zero gradient.
// CHECK-LABEL: func.func @constant_in_x(
// CHECK: %[[Z:.*]] = lds.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK: return %[[Z]]
func.func @constant_in_x(%x: tensor<2xf32>, %p: tensor<2xf32>) -> tensor<2xf32> {
  %s = lds.sum %p : tensor<2xf32> -> tensor<f32>
  %g = lds.grad %s wrt %x : tensor<f32>, tensor<2xf32>
  return %g : tensor<2xf32>
}
