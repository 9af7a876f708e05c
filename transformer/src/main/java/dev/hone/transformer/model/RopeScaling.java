package dev.hone.transformer.model;

/**
 * How RoPE frequencies are adjusted for contexts longer than pre-training (config.json "rope_scaling"):
 * none; linear position interpolation (Chen et al. 2023, "rope_type": "linear": every frequency divided
 * by {@code factor}); or Llama 3.1's frequency-dependent rule ("rope_type": "llama3": wavelengths longer
 * than originalMax / lowFreqFactor are divided by {@code factor}, shorter than originalMax / highFreqFactor
 * kept, and those in between interpolated smoothly), as transformers' {@code _compute_llama3_parameters}.
 */
public sealed interface RopeScaling {

    /** Inverse frequency after scaling, for an unscaled inverse frequency (radians per position). */
    double scale(double inverseFrequency);

    /** No scaling. */
    record None() implements RopeScaling {
        @Override
        public double scale(double inverseFrequency) { return inverseFrequency; }
    }

    /** Linear interpolation: positions divided by {@code factor}. */
    record Linear(double factor) implements RopeScaling {
        public Linear {
            if (!(factor >= 1)) throw new IllegalArgumentException("rope_scaling linear: factor " + factor + " must be >= 1");
        }

        @Override
        public double scale(double inverseFrequency) { return inverseFrequency / factor; }
    }

    /** Llama 3.1's scaling. */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) implements RopeScaling {
        public Llama3 {
            if (!(factor >= 1) || !(highFreqFactor > lowFreqFactor) || !(lowFreqFactor > 0) || originalMaxPositionEmbeddings <= 0) {
                throw new IllegalArgumentException("rope_scaling llama3: need factor >= 1, high_freq_factor > low_freq_factor > 0 and "
                        + "original_max_position_embeddings > 0, got " + this);
            }
        }

        @Override
        public double scale(double inverseFrequency) {
            double wavelength = 2 * Math.PI / inverseFrequency;
            double lowFreqWavelength = originalMaxPositionEmbeddings / lowFreqFactor;
            double highFreqWavelength = originalMaxPositionEmbeddings / highFreqFactor;
            if (wavelength < highFreqWavelength) return inverseFrequency;
            if (wavelength > lowFreqWavelength) return inverseFrequency / factor;
            double smooth = (originalMaxPositionEmbeddings / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            return (1 - smooth) * inverseFrequency / factor + smooth * inverseFrequency;
        }
    }
}
