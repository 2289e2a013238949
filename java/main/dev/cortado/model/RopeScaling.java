package dev.cortado.model;

/**
 * RoPE frequency scaling from a model's configuration. {@code type} is "linear", "llama3" or "yarn"
 * (as Hugging Face names them); fields a type does not use are 0.
 */
public record RopeScaling(String type, float factor, float lowFreqFactor, float highFreqFactor, int originalContextLength) {

    /**
     * Llama 3.x per-frequency divisors (one per rotated pair, {@code headDim / 2} of them), as
     * Hugging Face's {@code _compute_llama3_parameters} derives them; llama.cpp stores them as the
     * {@code rope_freqs.weight} tensor.
     */
    public float[] llama3FrequencyFactors(int headDim, float ropeTheta) {
        float[] factors = new float[headDim / 2];
        double lowFreqWavelen = originalContextLength / (double) lowFreqFactor;
        double highFreqWavelen = originalContextLength / (double) highFreqFactor;
        for (int i = 0; i < factors.length; i++) {
            double freq = 1.0 / Math.pow(ropeTheta, (2.0 * i) / headDim);
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highFreqWavelen) {
                factors[i] = 1f;
            } else if (wavelen > lowFreqWavelen) {
                factors[i] = factor;
            } else {
                double smooth = (originalContextLength / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                factors[i] = (float) (1.0 / ((1 - smooth) / factor + smooth));
            }
        }
        return factors;
    }
}
