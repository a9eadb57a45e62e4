// RUN: lds-opt %s --lds-outline-step | FileCheck %s --enable-var-scope

// Two states become slices of the concatenated x; inputs and params become
// arguments; the next states are concatenated. The model is kept as written.
lds.model @two {
  %h = lds.state "h" : tensor<3xf32>
  %s = lds.state "s" : tensor<f32>
  %u = lds.input "u" : tensor<3xf32>
  %w = lds.param "w" : tensor<3xf32>
  %0 = lds.mul %w, %h : tensor<3xf32>
  %1 = lds.add %0, %u : tensor<3xf32>
  %2 = lds.sum %1 : tensor<3xf32> -> tensor<f32>
  %3 = lds.add %2, %s : tensor<f32>
  lds.yield %1, %3 : tensor<3xf32>, tensor<f32>
}

// CHECK-LABEL: lds.model @two
// CHECK: state "h"
// CHECK-LABEL: func.func @two_f(
// CHECK-SAME: %[[X:.*]]: tensor<4xf32> {lds.kind = "state", lds.name = "x"}
// CHECK-SAME: %[[U:.*]]: tensor<3xf32> {lds.kind = "input", lds.name = "u"}
// CHECK-SAME: %[[W:.*]]: tensor<3xf32> {lds.kind = "param", lds.name = "w"}
// CHECK-SAME: -> tensor<4xf32> attributes {lds.derived = "f", lds.model = @two}
// CHECK: %[[H:.*]] = lds.slice %[[X]][0 : 3]
// CHECK: %[[S:.*]] = lds.extract %[[X]][3]
// CHECK: %[[M:.*]] = lds.mul %[[W]], %[[H]]
// CHECK: %[[HN:.*]] = lds.add %[[M]], %[[U]]
// CHECK: %[[SUM:.*]] = lds.sum %[[HN]]
// CHECK: %[[SN:.*]] = lds.add %[[SUM]], %[[S]]
// CHECK: %[[SV:.*]] = lds.broadcast %[[SN]] : tensor<f32> -> tensor<1xf32>
// CHECK: %[[XN:.*]] = lds.concat %[[HN]], %[[SV]]
// CHECK: return %[[XN]]
