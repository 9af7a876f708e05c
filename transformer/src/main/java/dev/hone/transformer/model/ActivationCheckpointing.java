package dev.hone.transformer.model;

/**
 * Whether a training forward pass keeps every decoder layer's intermediates for backward (NONE) or keeps
 * only each layer's input and recomputes the layer during backward (PER_LAYER, Chen et al. 2016), which
 * trades one extra forward for activation memory that no longer grows with the layer count.
 */
public enum ActivationCheckpointing { NONE, PER_LAYER }
