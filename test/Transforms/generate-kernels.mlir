// RUN: lds-opt %s --lds-outline-step --lds-derive-jacobian --lds-generate-kernels --canonicalize --cse | FileCheck %s --enable-var-scope

lds.model @m {
  %x = lds.state "x" : tensor<2xf64>
  %W = lds.param "W" : tensor<2x2xf64>
  %0 = lds.matmul %W, %x : tensor<2x2xf64>, tensor<2xf64> -> tensor<2xf64>
  %1 = lds.tanh %0 : tensor<2xf64>
  lds.yield %1 : tensor<2xf64>
}

// The stopping test: max(|a - b| - (atol + rtol |a|)).
// CHECK-LABEL: func.func @m_check(
// CHECK-SAME: %[[A:[^:]*]]: tensor<2xf64> {lds.name = "x_new"}, %[[B:[^:]*]]: tensor<2xf64> {lds.name = "x_old"}, %[[TOL:[^:]*]]: tensor<2xf64> {lds.name = "tol"}) -> tensor<f64>
// CHECK-DAG: %[[ATOL:.*]] = lds.extract %[[TOL]][0]
// CHECK-DAG: %[[RTOL:.*]] = lds.extract %[[TOL]][1]
// CHECK-DAG: %[[DIFF:.*]] = lds.sub %[[A]], %[[B]]
// CHECK: lds.reduce_max

// Newton: A = J, b = f(x) - J x.
// CHECK-LABEL: func.func @m_newton_element(
// CHECK-SAME: -> (tensor<2x2xf64>, tensor<2xf64>)
// CHECK: %[[AX:.*]] = lds.matmul %[[J:[0-9]+]], %{{.*}} : tensor<2x2xf64>, tensor<2xf64>
// CHECK: %[[B:.*]] = lds.sub %{{.*}}, %[[AX]]
// CHECK: return %[[J]], %[[B]]

// The combine (A2, b2) o (A1, b1) = (A2 A1, A2 b1 + b2).
// CHECK-LABEL: func.func @m_newton_combine(
// CHECK-SAME: %[[A2:[^:]*]]: tensor<2x2xf64> {lds.name = "a2"}, %[[B2:[^:]*]]: tensor<2xf64> {lds.name = "b2"}, %[[A1:[^:]*]]: tensor<2x2xf64> {lds.name = "a1"}, %[[B1:[^:]*]]: tensor<2xf64> {lds.name = "b1"}
// CHECK-DAG: %[[A:.*]] = lds.matmul %[[A2]], %[[A1]]
// CHECK-DAG: %[[A2B1:.*]] = lds.matmul %[[A2]], %[[B1]]
// CHECK: %[[B:.*]] = lds.add %[[A2B1]], %[[B2]]
// CHECK: return %[[A]], %[[B]]

// CHECK-LABEL: func.func @m_newton_apply(
// CHECK: lds.matmul
// CHECK: lds.add

// Quasi-Newton: A = diag(J) as a vector, combined elementwise.
// CHECK-LABEL: func.func @m_quasi_newton_element(
// CHECK-SAME: -> (tensor<2xf64>, tensor<2xf64>)
// CHECK-LABEL: func.func @m_quasi_newton_combine(
// CHECK-SAME: %[[A2:[^:]*]]: tensor<2xf64> {lds.name = "a2"}, %[[B2:[^:]*]]: tensor<2xf64> {lds.name = "b2"}, %[[A1:[^:]*]]: tensor<2xf64> {lds.name = "a1"}, %[[B1:[^:]*]]: tensor<2xf64> {lds.name = "b1"}
// CHECK-DAG: %[[A:.*]] = lds.mul %[[A2]], %[[A1]]
// CHECK-DAG: %[[A2B1:.*]] = lds.mul %[[A2]], %[[B1]]
// CHECK: %[[B:.*]] = lds.add %[[A2B1]], %[[B2]]
// CHECK: return %[[A]], %[[B]]

// Picard: A = I, b = f(x) - x; the combine adds.
// CHECK-LABEL: func.func @m_picard_element(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2xf64>
// CHECK-SAME: -> tensor<2xf64>
// CHECK: %[[B:.*]] = lds.sub %{{.*}}, %[[X]]
// CHECK: return %[[B]]
// CHECK-LABEL: func.func @m_picard_combine(
// CHECK-SAME: %[[B2:[^:]*]]: tensor<2xf64> {lds.name = "b2"}, %[[B1:[^:]*]]: tensor<2xf64> {lds.name = "b1"}
// CHECK: %[[B:.*]] = lds.add %[[B1]], %[[B2]]
// CHECK: return %[[B]]

// Jacobi: A = 0, b = f(x); the combine keeps the later element.
// CHECK-LABEL: func.func @m_jacobi_element(
// CHECK: lds.tanh
// CHECK-LABEL: func.func @m_jacobi_combine(
// CHECK-SAME: %[[B2:[^:]*]]: tensor<2xf64> {lds.name = "b2"}
// CHECK-NEXT: return %[[B2]]
