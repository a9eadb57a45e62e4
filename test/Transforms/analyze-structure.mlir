// Jacobian structure, affinity and identity-plus-scaled detection of
// lds-analyze-structure: the examples, then one hand-written model per case.
//
// RUN: lds-opt %s --lds-analyze-structure | FileCheck %s
// RUN: lds-compile %examples/gru.lds --emit=lds | lds-opt --lds-analyze-structure | FileCheck %s --check-prefix=GRU
// RUN: lds-compile %examples/s5.lds --emit=lds | lds-opt --lds-analyze-structure | FileCheck %s --check-prefix=S5
// RUN: lds-compile %examples/langevin.lds --emit=lds | lds-opt --lds-analyze-structure | FileCheck %s --check-prefix=LANGEVIN
// RUN: lds-compile %examples/elementwise.lds --emit=lds | lds-opt --lds-analyze-structure | FileCheck %s --check-prefix=ELEMENTWISE
// RUN: lds-compile %examples/lstm.lds --emit=lds | lds-opt --lds-analyze-structure | FileCheck %s --check-prefix=LSTM
// The analysis reads only the lds.model, so it gives the same answer after
// the step and its derivatives are outlined:
// RUN: lds-compile %examples/lstm.lds --emit=mlir | lds-opt --lds-analyze-structure | FileCheck %s --check-prefix=LSTM

// GRU: lds.model @gru attributes
// GRU-SAME: lds.jacobian = "dense", lds.state_deps = {{\[\[}}"dense"{{\]\]}}
// GRU-NOT: lds.affine
// GRU-NOT: lds.identity_plus_scaled

// P[w] @ x: affine, and J is a gather from the param.
// S5: lds.model @s5 attributes {lds.affine, lds.jacobian = "gathered", lds.state_deps = {{\[\[}}"dense"{{\]\]}}}

// x + eps * grad(logsumexp of quadratics) + sqrt(2 eps) * noise: the Hessian
// of a logsumexp is dense and depends on x; eps is recognised as the scale.
// LANGEVIN: lds.model @langevin attributes {lds.identity_plus_scaled = 1.000000e-05 : f64, lds.jacobian = "dense", lds.state_deps = {{\[\[}}"dense"{{\]\]}}}

// ELEMENTWISE: lds.model @elementwise attributes {lds.jacobian = "diagonal", lds.state_deps = {{\[\[}}"diagonal"{{\]\]}}}

// h' and c' both depend on h through the gates (dense) and on c elementwise.
// LSTM: lds.model @lstm attributes
// LSTM-SAME: lds.jacobian = "dense"
// LSTM-SAME: lds.state_deps = {{\[\[}}"dense", "diagonal"], ["dense", "diagonal"{{\]\]}}

// zero: no next state depends on the state.
// CHECK-LABEL: lds.model @zero attributes
// CHECK-SAME: {lds.affine, lds.jacobian = "zero", lds.state_deps = {{\[\[}}"none"{{\]\]}}}
lds.model @zero {
  %x = state "x" : tensor<4xf32>
  %u = input "u" : tensor<4xf32>
  %0 = tanh %u : tensor<4xf32>
  yield %0 : tensor<4xf32>
}
// identity: x plus terms independent of x.
// CHECK-LABEL: lds.model @identity attributes
// CHECK-SAME: {lds.affine, lds.jacobian = "identity", lds.state_deps = {{\[\[}}"identity"{{\]\]}}}
lds.model @identity {
  %x = state "x" : tensor<4xf32>
  %u = input "u" : tensor<4xf32>
  %0 = add %x, %u : tensor<4xf32>
  yield %0 : tensor<4xf32>
}
// diagonal across two pieces, through concat and slices (offsets line up).
// CHECK-LABEL: lds.model @diag2 attributes
// CHECK-SAME: {lds.jacobian = "diagonal", lds.state_deps = {{\[\[}}"diagonal", "none"], ["none", "diagonal"{{\]\]}}}
lds.model @diag2 {
  %a = state "a" : tensor<2xf32>
  %b = state "b" : tensor<3xf32>
  %0 = concat %a, %b : tensor<2xf32>, tensor<3xf32> -> tensor<5xf32>
  %1 = tanh %0 : tensor<5xf32>
  %2 = slice %1[0 : 2] : tensor<5xf32> -> tensor<2xf32>
  %3 = slice %1[2 : 5] : tensor<5xf32> -> tensor<3xf32>
  yield %2, %3 : tensor<2xf32>, tensor<3xf32>
}
// swapped pieces: elementwise, but output piece k reads state piece 1-k, so
// J is a permutation: dense.
// CHECK-LABEL: lds.model @swap attributes
// CHECK-SAME: {lds.jacobian = "dense", lds.state_deps = {{\[\[}}"none", "diagonal"], ["diagonal", "none"{{\]\]}}}
lds.model @swap {
  %a = state "a" : tensor<2xf32>
  %b = state "b" : tensor<2xf32>
  %0 = tanh %a : tensor<2xf32>
  %1 = tanh %b : tensor<2xf32>
  yield %1, %0 : tensor<2xf32>, tensor<2xf32>
}
// block-diagonal: each piece its own dense recurrence.
// CHECK-LABEL: lds.model @blocks attributes
// CHECK-SAME: {lds.jacobian = "block_diagonal", lds.state_deps = {{\[\[}}"dense", "none"], ["none", "dense"{{\]\]}}}
lds.model @blocks {
  %h = state "h" : tensor<3xf32>
  %c = state "c" : tensor<2xf32>
  %W = param "W" : tensor<3x3xf32>
  %V = param "V" : tensor<2x2xf32>
  %0 = matmul %W, %h : tensor<3x3xf32>, tensor<3xf32> -> tensor<3xf32>
  %1 = tanh %0 : tensor<3xf32>
  %2 = matmul %V, %c : tensor<2x2xf32>, tensor<2xf32> -> tensor<2xf32>
  %3 = add %c, %2 : tensor<2xf32>
  yield %1, %3 : tensor<3xf32>, tensor<2xf32>
}
// gathered: P[w] @ x + b.
// CHECK-LABEL: lds.model @perm attributes
// CHECK-SAME: {lds.affine, lds.jacobian = "gathered", lds.state_deps = {{\[\[}}"dense"{{\]\]}}}
lds.model @perm {
  %x = state "x" : tensor<3xf32>
  %w = input "w" : tensor<i32>
  %P = param "P" : tensor<6x3x3xf32>
  %b = param "b" : tensor<3xf32>
  %0 = gather %P[%w] : tensor<6x3x3xf32>, tensor<i32> -> tensor<3x3xf32>
  %1 = matmul %0, %x : tensor<3x3xf32>, tensor<3xf32> -> tensor<3xf32>
  %2 = add %1, %b : tensor<3xf32>
  yield %2 : tensor<3xf32>
}
// dense, nonlinear.
// CHECK-LABEL: lds.model @rnn attributes
// CHECK-SAME: {lds.jacobian = "dense", lds.state_deps = {{\[\[}}"dense"{{\]\]}}}
lds.model @rnn {
  %x = state "x" : tensor<4xf32>
  %W = param "W" : tensor<4x4xf32>
  %0 = matmul %W, %x : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  %1 = tanh %0 : tensor<4xf32>
  yield %1 : tensor<4xf32>
}
// affine through grad of a quadratic form: x + 0.01 * grad(-(x-m)^T L (x-m))
// CHECK-LABEL: lds.model @gauss attributes
// CHECK-SAME: {lds.affine, lds.identity_plus_scaled = 1.000000e-02 : f64, lds.jacobian = "dense", lds.state_deps = {{\[\[}}"dense"{{\]\]}}}
lds.model @gauss {
  %x = state "x" : tensor<4xf32>
  %n = input "n" : tensor<4xf32>
  %m = param "m" : tensor<4xf32>
  %L = param "L" : tensor<4x4xf32>
  %0 = sub %x, %m : tensor<4xf32>
  %1 = matmul %L, %0 : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  %2 = dot %0, %1 : tensor<4xf32> -> tensor<f32>
  %3 = neg %2 : tensor<f32>
  %4 = grad %3 wrt %x : tensor<f32>, tensor<4xf32>
  %c = constant dense<1.000000e-02> : tensor<f32>
  %5 = broadcast %c : tensor<f32> -> tensor<4xf32>
  %6 = mul %5, %4 : tensor<4xf32>
  %7 = add %x, %6 : tensor<4xf32>
  %s = constant dense<2.000000e-01> : tensor<4xf32>
  %8 = mul %s, %n : tensor<4xf32>
  %9 = add %7, %8 : tensor<4xf32>
  yield %9 : tensor<4xf32>
}
// non-affine: a product of two state-dependent values.
// CHECK-LABEL: lds.model @product attributes
// CHECK-SAME: {lds.jacobian = "dense", lds.state_deps = {{\[\[}}"dense"{{\]\]}}}
lds.model @product {
  %x = state "x" : tensor<3xf32>
  %K = constant dense<[[1.0, 2.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 3.0]]> : tensor<3x3xf32>
  %0 = matmul %K, %x : tensor<3x3xf32>, tensor<3xf32> -> tensor<3xf32>
  %1 = mul %0, %x : tensor<3xf32>
  yield %1 : tensor<3xf32>
}
// grad of a linear function is constant: x' = grad(a . x) + u = a + u
// CHECK-LABEL: lds.model @gradlinear attributes
// CHECK-SAME: {lds.affine, lds.jacobian = "zero", lds.state_deps = {{\[\[}}"none"{{\]\]}}}
lds.model @gradlinear {
  %x = state "x" : tensor<3xf64>
  %u = input "u" : tensor<3xf64>
  %a = param "a" : tensor<3xf64>
  %0 = dot %a, %x : tensor<3xf64> -> tensor<f64>
  %1 = grad %0 wrt %x : tensor<f64>, tensor<3xf64>
  %2 = add %1, %u : tensor<3xf64>
  yield %2 : tensor<3xf64>
}
// scalar states, Euler step with two scaled terms: scale of largest |c|
// CHECK-LABEL: lds.model @euler attributes
// CHECK-SAME: {lds.identity_plus_scaled = -5.000000e-01 : f64, lds.jacobian = "dense", lds.state_deps = {{\[\[}}"identity", "diagonal"], ["diagonal", "identity"{{\]\]}}}
lds.model @euler {
  %p = state "p" : tensor<f32>
  %q = state "q" : tensor<f32>
  %dt = constant dense<1.000000e-01> : tensor<f32>
  %h = constant dense<-5.000000e-01> : tensor<f32>
  %0 = sin %q : tensor<f32>
  %1 = mul %dt, %0 : tensor<f32>
  %2 = sub %p, %1 : tensor<f32>
  %3 = mul %p, %h : tensor<f32>
  %4 = add %q, %3 : tensor<f32>
  yield %2, %4 : tensor<f32>, tensor<f32>
}
// x + x is 2x: not identity-plus-scaled; x^2 via pow 2 is quadratic
// CHECK-LABEL: lds.model @double attributes
// CHECK-SAME: {lds.jacobian = "diagonal", lds.state_deps = {{\[\[}}"diagonal"{{\]\]}}}
lds.model @double {
  %x = state "x" : tensor<2xf32>
  %two = constant dense<2.000000e+00> : tensor<2xf32>
  %0 = pow %x, %two : tensor<2xf32>
  %1 = add %x, %x : tensor<2xf32>
  %2 = add %1, %0 : tensor<2xf32>
  yield %2 : tensor<2xf32>
}
// a state-dependent condition makes f piecewise: diagonal, not affine
// CHECK-LABEL: lds.model @piecewise attributes
// CHECK-SAME: {lds.jacobian = "diagonal", lds.state_deps = {{\[\[}}"diagonal"{{\]\]}}}
lds.model @piecewise {
  %x = state "x" : tensor<2xf32>
  %u = input "u" : tensor<2xf32>
  %0 = cmp lt, %x, %u : tensor<2xf32> -> tensor<2xi1>
  %1 = select %0, %x, %u : tensor<2xi1>, tensor<2xf32>
  yield %1 : tensor<2xf32>
}

// exact zeros of a constant matrix cut dependency paths: K is diagonal.
// CHECK-LABEL: lds.model @constzeros attributes
// CHECK-SAME: {lds.jacobian = "diagonal", lds.state_deps = {{\[\[}}"diagonal"{{\]\]}}}
lds.model @constzeros {
  %x = state "x" : tensor<3xf32>
  %K = constant dense<[[2.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 4.0]]> : tensor<3x3xf32>
  %0 = matmul %K, %x : tensor<3x3xf32>, tensor<3xf32> -> tensor<3xf32>
  %1 = tanh %0 : tensor<3xf32>
  yield %1 : tensor<3xf32>
}

// The gradient follows the Hessian's sparsity: a separable log-density has a
// diagonal Hessian, so this Langevin-like step has a diagonal Jacobian.
// CHECK-LABEL: lds.model @separable attributes
// CHECK-SAME: {lds.identity_plus_scaled = -1.000000e-03 : f64, lds.jacobian = "diagonal", lds.state_deps = {{\[\[}}"diagonal"{{\]\]}}}
lds.model @separable {
  %x = state "x" : tensor<4xf32>
  %0 = softplus %x : tensor<4xf32>
  %1 = sum %0 : tensor<4xf32> -> tensor<f32>
  %2 = grad %1 wrt %x : tensor<f32>, tensor<4xf32>
  %c = constant dense<-1.000000e-03> : tensor<4xf32>
  %3 = mul %c, %2 : tensor<4xf32>
  %4 = add %x, %3 : tensor<4xf32>
  yield %4 : tensor<4xf32>
}

// grad(sum(x * x)) = 2x: affine and diagonal.
// CHECK-LABEL: lds.model @sqnorm attributes
// CHECK-SAME: {lds.affine, lds.jacobian = "diagonal", lds.state_deps = {{\[\[}}"diagonal"{{\]\]}}}
lds.model @sqnorm {
  %x = state "x" : tensor<4xf32>
  %0 = mul %x, %x : tensor<4xf32>
  %1 = sum %0 : tensor<4xf32> -> tensor<f32>
  %2 = grad %1 wrt %x : tensor<f32>, tensor<4xf32>
  yield %2 : tensor<4xf32>
}

// grad wrt a of a . b is b (and the reverse): the pieces swap elementwise.
// CHECK-LABEL: lds.model @coupled attributes
// CHECK-SAME: {lds.affine, lds.jacobian = "dense", lds.state_deps = {{\[\[}}"none", "diagonal"], ["diagonal", "none"{{\]\]}}}
lds.model @coupled {
  %a = state "a" : tensor<2xf32>
  %b = state "b" : tensor<2xf32>
  %0 = dot %a, %b : tensor<2xf32> -> tensor<f32>
  %1 = grad %0 wrt %a : tensor<f32>, tensor<2xf32>
  %2 = grad %0 wrt %b : tensor<f32>, tensor<2xf32>
  yield %1, %2 : tensor<2xf32>, tensor<2xf32>
}

// lds.diag and lds.diag_part move elements: the main diagonal of diag(x) is
// x again (identity); its shifted diagonals are zeros; a shifted diagonal of
// t[i, j] = x[j] is x shifted by one (a subdiagonal J: dense).
// CHECK-LABEL: lds.model @diagops attributes
// CHECK-SAME: {lds.affine, lds.jacobian = "identity", lds.state_deps = {{\[\[}}"identity"{{\]\]}}}
lds.model @diagops {
  %x = state "x" : tensor<3xf32>
  %u = input "u" : tensor<3xf32>
  %0 = diag %x : tensor<3xf32> -> tensor<3x3xf32>
  %1 = diag_part %0 [0] : tensor<3x3xf32> -> tensor<3xf32>
  %2 = add %1, %u : tensor<3xf32>
  yield %2 : tensor<3xf32>
}
// CHECK-LABEL: lds.model @offdiag attributes
// CHECK-SAME: {lds.affine, lds.jacobian = "zero", lds.state_deps = {{\[\[}}"none"{{\]\]}}}
lds.model @offdiag {
  %x = state "x" : tensor<3xf32>
  %0 = diag %x : tensor<3xf32> -> tensor<3x3xf32>
  %1 = diag_part %0 [1] : tensor<3x3xf32> -> tensor<3xf32>
  yield %1 : tensor<3xf32>
}
// CHECK-LABEL: lds.model @shifted attributes
// CHECK-SAME: {lds.affine, lds.jacobian = "dense", lds.state_deps = {{\[\[}}"dense"{{\]\]}}}
lds.model @shifted {
  %x = state "x" : tensor<3xf32>
  %0 = broadcast %x : tensor<3xf32> -> tensor<3x3xf32>
  %1 = transpose %0 : tensor<3x3xf32> -> tensor<3x3xf32>
  %2 = diag_part %1 [1] : tensor<3x3xf32> -> tensor<3xf32>
  yield %2 : tensor<3xf32>
}
