// RUN: lds-opt %s --lds-lower-to-loops --split-input-file -verify-diagnostics

// lds.grad has no lowering: the derivation passes expand it first. Meeting one
// is an error, not a silently wrong function.
func.func @grad(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = lds.sum %x : tensor<2xf32> -> tensor<f32>
  // expected-error @+1 {{failed to legalize operation 'lds.grad'}}
  %1 = lds.grad %0 wrt %x : tensor<f32>, tensor<2xf32>
  return %1 : tensor<2xf32>
}
