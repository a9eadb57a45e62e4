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

// Two paths of one structure (w x and 0.5 x) make one term, Diag(w + 0.5):
// a chain of lets that each reuse the state stays one term per selection
// instead of one per path.
lds.model @merged {
  %x = lds.state "x" : tensor<3xf32>
  %w = lds.param "w" : tensor<3xf32>
  %c = lds.constant dense<5.000000e-01> : tensor<3xf32>
  %0 = lds.mul %w, %x : tensor<3xf32>
  %1 = lds.mul %c, %x : tensor<3xf32>
  %2 = lds.add %0, %1 : tensor<3xf32>
  lds.yield %2 : tensor<3xf32>
}
// CHECK-LABEL: func.func @merged_jac(
// CHECK-SAME: %[[W:[^:]*]]: tensor<3xf32> {lds.kind = "param"
// CHECK: %[[S:.*]] = lds.add %[[W]], %{{.*}} : tensor<3xf32>
// CHECK-NEXT: %[[J:.*]] = lds.diag %[[S]]
// CHECK-NEXT: return %[[J]]
// CHECK-LABEL: func.func @merged_jac_diag(
// CHECK: %[[S:.*]] = lds.add
// CHECK-NEXT: return %[[S]]

// A rotation of the state has a zero diagonal: x[1:3] placed at rows 0..1
// selects columns 1..2.
lds.model @rotate {
  %x = lds.state "x" : tensor<3xf32>
  %0 = lds.slice %x[1 : 3] : tensor<3xf32> -> tensor<2xf32>
  %1 = lds.slice %x[0 : 1] : tensor<3xf32> -> tensor<1xf32>
  %2 = lds.concat %0, %1 : tensor<2xf32>, tensor<1xf32> -> tensor<3xf32>
  lds.yield %2 : tensor<3xf32>
}
// CHECK-LABEL: func.func @rotate_jac_diag(
// CHECK-NEXT: %[[Z:.*]] = lds.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-NEXT: return %[[Z]]

// Terms over separate states are formed as their [rows, columns] blocks and
// laid out once: no [4, 4] matrix per term, no [4, 4] sum.
lds.model @blocks {
  %x = lds.state "x" : tensor<4xf32>
  %w = lds.param "w" : tensor<2xf32>
  %a = lds.slice %x[0 : 2] : tensor<4xf32> -> tensor<2xf32>
  %b = lds.slice %x[2 : 4] : tensor<4xf32> -> tensor<2xf32>
  %0 = lds.mul %w, %b : tensor<2xf32>
  %1 = lds.tanh %a : tensor<2xf32>
  %2 = lds.concat %0, %1 : tensor<2xf32>, tensor<2xf32> -> tensor<4xf32>
  lds.yield %2 : tensor<4xf32>
}
// CHECK-LABEL: func.func @blocks_jac(
// CHECK-SAME: %[[W:[^:]*]]: tensor<2xf32> {lds.kind = "param"
// CHECK-DAG: %[[Z:.*]] = lds.constant dense<0.000000e+00> : tensor<2x2xf32>
// CHECK-DAG: %[[DT:.*]] = lds.diag %{{.*}} : tensor<2xf32> -> tensor<2x2xf32>
// CHECK-DAG: %[[DW:.*]] = lds.diag %[[W]] : tensor<2xf32> -> tensor<2x2xf32>
// CHECK-NOT: lds.add
// CHECK: %[[C0:.*]] = lds.concat %[[Z]], %[[DT]] : {{.*}} -> tensor<4x2xf32>
// CHECK: %[[T0:.*]] = lds.transpose %[[C0]]
// CHECK: %[[C1:.*]] = lds.concat %[[DW]], %[[Z]] : {{.*}} -> tensor<4x2xf32>
// CHECK: %[[T1:.*]] = lds.transpose %[[C1]]
// CHECK: %[[JT:.*]] = lds.concat %[[T0]], %[[T1]] : {{.*}} -> tensor<4x4xf32>
// CHECK: %[[J:.*]] = lds.transpose %[[JT]]
// CHECK-NEXT: return %[[J]]
// CHECK-LABEL: func.func @blocks_jac_diag(
// CHECK-NEXT: %[[Z:.*]] = lds.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-NEXT: return %[[Z]]
