/**
 * Training: activations and backward passes over the native kernels, AdamW, data loading,
 * checkpoints, and the fine-tune and pretrain loops. {@link dev.cortado.train.TrainableModel} is
 * the seam between a model's forward/backward and the loop that drives it.
 */
package dev.cortado.train;
