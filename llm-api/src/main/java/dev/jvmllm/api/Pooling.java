package dev.jvmllm.api;

/** How the per-token vectors of an input become the one vector of its embedding. */
public enum Pooling {
    /** What the model declares (a GGUF's {@code pooling_type}; mean for an encoder in the Hugging Face layout), else mean. */
    MODEL_DEFAULT,
    /** The average over the input's tokens (padding excluded). */
    MEAN,
    /** The first token's vector (BERT's {@code [CLS]}). */
    CLS,
    /** The last token's vector: what a causal model has seen the whole input at. */
    LAST
}
