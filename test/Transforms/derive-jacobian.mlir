// RUN: lds-opt %s --lds-outline-step --lds-expand-grad --lds-derive-jacobian --canonicalize --cse | FileCheck %s --enable-var-scope

// Matrix-vector product: the Jacobian is the matrix itself (no product with
// an identity), its diagonal the matrix's diagonal, the JVP W v.
lds.model @matvec {
  %x = lds.state "x" : tensor<4xf32>
  %W = lds.param "W" : tensor<4x4xf32>
  %0 = lds.matmul %W, %x : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  lds.yield %0 : tensor<4xf32>
}
// CHECK-LABEL: func.func @matvec_jvp(
// CHECK-SAME: %{{.*}}: tensor<4xf32> {{.*}}, %[[V:.*]]: tensor<4xf32> {lds.kind = "tangent"{{.*}}, %[[W:.*]]: tensor<4x4xf32>
// CHECK: %[[JV:.*]] = lds.matmul %[[W]], %[[V]]
// CHECK: return %[[JV]]
// CHECK-LABEL: func.func @matvec_jac(
// CHECK-SAME: %[[W:[^:]*]]: tensor<4x4xf32> {lds.kind = "param"
// CHECK-NEXT: return %[[W]]
// CHECK-LABEL: func.func @matvec_jac_diag(
// CHECK-SAME: %[[W:[^:]*]]: tensor<4x4xf32> {lds.kind = "param"
// CHECK-NEXT: %[[D:.*]] = lds.diag_part %[[W]][0]
// CHECK-NEXT: return %[[D]]

// tanh: the derivative is 1 - t^2 with t the value f already computes.
lds.model @tanh {
  %x = lds.state "x" : tensor<3xf64>
  %0 = lds.tanh %x : tensor<3xf64>
  lds.yield %0 : tensor<3xf64>
}
// CHECK-LABEL: func.func @tanh_jac_diag(
// CHECK-SAME: %[[X:[^:]*]]: tensor<3xf64>
// CHECK-DAG: %[[ONE:.*]] = lds.constant dense<1.000000e+00> : tensor<3xf64>
// CHECK-DAG: %[[T:.*]] = lds.tanh %[[X]]
// CHECK: %[[T2:.*]] = lds.mul %[[T]], %[[T]]
// CHECK: %[[D:.*]] = lds.sub %[[ONE]], %[[T2]]
// CHECK: return %[[D]]

// diag(W diag(s) V): row-wise dot products of W and Vᵀ scaled by s, O(D^2);
// no matrix-matrix product is formed.
lds.model @two_layer {
  %x = lds.state "x" : tensor<4xf32>
  %W = lds.param "W" : tensor<4x6xf32>
  %V = lds.param "V" : tensor<6x4xf32>
  %0 = lds.matmul %V, %x : tensor<6x4xf32>, tensor<4xf32> -> tensor<6xf32>
  %1 = lds.tanh %0 : tensor<6xf32>
  %2 = lds.matmul %W, %1 : tensor<4x6xf32>, tensor<6xf32> -> tensor<4xf32>
  lds.yield %2 : tensor<4xf32>
}
// CHECK-LABEL: func.func @two_layer_jac_diag(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4xf32> {{.*}}, %[[W:[^:]*]]: tensor<4x6xf32> {{.*}}, %[[V:[^:]*]]: tensor<6x4xf32>
// CHECK-NOT: tensor<6x4xf32>, tensor<4x6xf32>
// CHECK-NOT: tensor<4x6xf32>, tensor<6x4xf32>
// CHECK: %[[VT:.*]] = lds.transpose %{{.*}} : tensor<6x4xf32> -> tensor<4x6xf32>
// CHECK: %[[P:.*]] = lds.mul %[[W]], %[[VT]] : tensor<4x6xf32>
// CHECK: %[[D:.*]] = lds.matmul %[[P]], %{{.*}} : tensor<4x6xf32>, tensor<6xf32> -> tensor<4xf32>
// CHECK: return %[[D]]

// An affine model with a gathered matrix: the Jacobian is the gather.
lds.model @gathered {
  %x = lds.state "x" : tensor<3xf32>
  %w = lds.input "w" : tensor<i32>
  %P = lds.param "P" : tensor<6x3x3xf32>
  %0 = lds.gather %P [%w] : tensor<6x3x3xf32>, tensor<i32> -> tensor<3x3xf32>
  %1 = lds.matmul %0, %x : tensor<3x3xf32>, tensor<3xf32> -> tensor<3xf32>
  lds.yield %1 : tensor<3xf32>
}
// CHECK-LABEL: func.func @gathered_jac(
// CHECK: %[[G:.*]] = lds.gather
// CHECK-NEXT: return %[[G]]

// The Hessian of a quadratic form: grad(dot(x, L x)) differentiates to
// L + Lᵀ, independent of x.
lds.model @hessian {
  %x = lds.state "x" : tensor<3xf64>
  %L = lds.param "L" : tensor<3x3xf64>
  %0 = lds.matmul %L, %x : tensor<3x3xf64>, tensor<3xf64> -> tensor<3xf64>
  %1 = lds.dot %x, %0 : tensor<3xf64> -> tensor<f64>
  %2 = lds.grad %1 wrt %x : tensor<f64>, tensor<3xf64>
  lds.yield %2 : tensor<3xf64>
}
// CHECK-LABEL: func.func @hessian_jac(
// CHECK-SAME: %[[X:[^:]*]]: tensor<3xf64> {{.*}}, %[[L:[^:]*]]: tensor<3x3xf64>
// CHECK-NOT: %[[X]]
// CHECK: %[[LT:.*]] = lds.transpose %[[L]]
// CHECK: %[[H:.*]] = lds.add {{.*}} : tensor<3x3xf64>
// CHECK-NEXT: return %[[H]]

// W (x dot(a, x)): J = W diag(s) + (W x) aᵀ with s = dot(a, x). Its exact
// diagonal is diag(W) s + (W x) ⊙ a, computed as such: no 4x4 product, no
// outer product, no diag(s) is formed.
lds.model @rank_one {
  %x = lds.state "x" : tensor<4xf32>
  %a = lds.param "a" : tensor<4xf32>
  %W = lds.param "W" : tensor<4x4xf32>
  %s = lds.dot %a, %x : tensor<4xf32> -> tensor<f32>
  %b = lds.broadcast %s : tensor<f32> -> tensor<4xf32>
  %p = lds.mul %x, %b : tensor<4xf32>
  %0 = lds.matmul %W, %p : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  lds.yield %0 : tensor<4xf32>
}
// CHECK-LABEL: func.func @rank_one_jac_diag(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4xf32> {lds.kind = "state"{{.*}}, %[[A:[^:]*]]: tensor<4xf32> {lds.kind = "param"{{.*}}, %[[W:[^:]*]]: tensor<4x4xf32>
// CHECK-NEXT: %[[S:.*]] = lds.dot %[[A]], %[[X]]
// CHECK-NEXT: %[[SB:.*]] = lds.broadcast %[[S]] : tensor<f32> -> tensor<4xf32>
// CHECK-NEXT: %[[D:.*]] = lds.diag_part %[[W]][0]
// CHECK-NEXT: %[[T1:.*]] = lds.mul %[[D]], %[[SB]] : tensor<4xf32>
// CHECK-NEXT: %[[WX:.*]] = lds.matmul %[[W]], %[[X]] : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
// CHECK-NEXT: %[[T2:.*]] = lds.mul %[[WX]], %[[A]] : tensor<4xf32>
// CHECK-NEXT: %[[R:.*]] = lds.add %[[T1]], %[[T2]] : tensor<4xf32>
// CHECK-NEXT: return %[[R]]
