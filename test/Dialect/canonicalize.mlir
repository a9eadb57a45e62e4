// RUN: lds-opt %s -canonicalize | FileCheck %s
// RUN: lds-opt %s -canonicalize -cse | FileCheck %s

// Declarations are the model's signature: canonicalization keeps every
// lds.state, lds.input and lds.param, used or not, in declaration order. Dead
// pure ops (computations and constants) are removed.

// CHECK-LABEL: lds.model @unused_decls {
// CHECK-NEXT:    %[[X:.*]] = state "x" : tensor<4xf32>
// CHECK-NEXT:    %[[Y:.*]] = state "y" : tensor<f32>
// CHECK-NEXT:    %[[U:.*]] = input "u" : tensor<4xf32>
// CHECK-NEXT:    %[[W:.*]] = input "w" : tensor<i32>
// CHECK-NEXT:    %[[P:.*]] = param "p" : tensor<2x4xf32>
// CHECK-NEXT:    %[[Q:.*]] = param "q" : tensor<f32>
// CHECK-NEXT:    yield %[[X]], %[[Y]] : tensor<4xf32>, tensor<f32>
// CHECK-NEXT:  }
lds.model @unused_decls {
  %x = lds.state "x" : tensor<4xf32>
  %y = lds.state "y" : tensor<f32>
  %u = lds.input "u" : tensor<4xf32>
  %w = lds.input "w" : tensor<i32>
  %p = lds.param "p" : tensor<2x4xf32>
  %q = lds.param "q" : tensor<f32>
  %c = lds.constant dense<2.0> : tensor<4xf32>
  %dead0 = lds.mul %x, %c : tensor<4xf32>
  %dead1 = lds.tanh %dead0 : tensor<4xf32>
  %dead2 = lds.sum %dead1 : tensor<4xf32> -> tensor<f32>
  %dead3 = lds.gather %p [%w] : tensor<2x4xf32>, tensor<i32> -> tensor<4xf32>
  %dead4 = lds.matmul %p, %u : tensor<2x4xf32>, tensor<4xf32> -> tensor<2xf32>
  %dead5 = lds.cmp lt, %y, %q : tensor<f32> -> tensor<i1>
  %dead6 = lds.grad %dead2 wrt %x : tensor<f32>, tensor<4xf32>
  lds.yield %x, %y : tensor<4xf32>, tensor<f32>
}

// Live ops survive; constants used by them are kept.

// CHECK-LABEL: lds.model @live {
// CHECK-DAG:     %[[X:.*]] = state "x" : tensor<4xf32>
// CHECK-DAG:     %[[A:.*]] = param "a" : tensor<4xf32>
// CHECK-DAG:     %[[C:.*]] = constant dense<5.000000e-01> : tensor<4xf32>
// CHECK:         %[[M:.*]] = mul %[[A]], %[[X]] : tensor<4xf32>
// CHECK-NEXT:    %[[R:.*]] = add %[[M]], %[[C]] : tensor<4xf32>
// CHECK-NEXT:    yield %[[R]] : tensor<4xf32>
lds.model @live {
  %x = lds.state "x" : tensor<4xf32>
  %a = lds.param "a" : tensor<4xf32>
  %half = lds.constant dense<0.5> : tensor<4xf32>
  %m = lds.mul %a, %x : tensor<4xf32>
  %dead = lds.tanh %m : tensor<4xf32>
  %r = lds.add %m, %half : tensor<4xf32>
  lds.yield %r : tensor<4xf32>
}

// The main diagonal of a square matrix's transpose is read from the matrix
// (the transpose is then dead); a shifted diagonal, or a non-square matrix,
// keeps it. transpose(transpose(M)) is M.

// CHECK-LABEL: func.func @diag_part_of_transpose(
// CHECK-SAME: %[[M:[^:]*]]: tensor<3x3xf32>, %[[N:[^:]*]]: tensor<2x3xf32>
// CHECK-DAG: %[[D0:.*]] = lds.diag_part %[[M]][0] : tensor<3x3xf32>
// CHECK-DAG: %[[TM:.*]] = lds.transpose %[[M]]
// CHECK-DAG: %[[D1:.*]] = lds.diag_part %[[TM]][1] : tensor<3x3xf32>
// CHECK-DAG: %[[TN:.*]] = lds.transpose %[[N]] : tensor<2x3xf32> -> tensor<3x2xf32>
// CHECK-DAG: %[[D2:.*]] = lds.diag_part %[[TN]][0] : tensor<3x2xf32>
// CHECK: return %[[D0]], %[[D1]], %[[D2]], %[[M]]
func.func @diag_part_of_transpose(%m: tensor<3x3xf32>, %n: tensor<2x3xf32>)
    -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3x3xf32>) {
  %t = lds.transpose %m : tensor<3x3xf32> -> tensor<3x3xf32>
  %d0 = lds.diag_part %t[0] : tensor<3x3xf32> -> tensor<3xf32>
  %d1 = lds.diag_part %t[1] : tensor<3x3xf32> -> tensor<3xf32>
  %tn = lds.transpose %n : tensor<2x3xf32> -> tensor<3x2xf32>
  %d2 = lds.diag_part %tn[0] : tensor<3x2xf32> -> tensor<3xf32>
  %tt = lds.transpose %t : tensor<3x3xf32> -> tensor<3x3xf32>
  return %d0, %d1, %d2, %tt : tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3x3xf32>
}
