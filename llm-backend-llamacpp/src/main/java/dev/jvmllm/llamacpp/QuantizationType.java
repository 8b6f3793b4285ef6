package dev.jvmllm.llamacpp;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What {@link LlamaCppBackend#quantize} can write: llama.cpp's {@code llama_ftype}s that need no
 * importance matrix. The name is the one {@code llama-quantize} takes, in lower case
 * ({@code q4_0}, {@code q4_k_m}, {@code q8_0}, ...).
 */
public enum QuantizationType {
    F32(0), F16(1), BF16(32),
    Q4_0(2), Q4_1(3), Q5_0(8), Q5_1(9), Q8_0(7),
    Q2_K(10), Q3_K_S(11), Q3_K_M(12), Q3_K_L(13), Q4_K_S(14), Q4_K_M(15), Q5_K_S(16), Q5_K_M(17), Q6_K(18),
    IQ4_NL(25), IQ4_XS(30), TQ1_0(36), TQ2_0(37);

    private final int fileType;

    QuantizationType(int fileType) {
        this.fileType = fileType;
    }

    /** The {@code llama_ftype} value. */
    public int fileType() {
        return fileType;
    }

    /** The lower-case name, as {@code llama-quantize} spells it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The type of that name, in any case.
     *
     * @throws IllegalArgumentException naming the types there are
     */
    public static QuantizationType of(String name) {
        for (QuantizationType type : values()) {
            if (type.name().equalsIgnoreCase(name.trim())) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown quantization type '" + name + "'; one of "
                + Arrays.stream(values()).map(QuantizationType::label).collect(Collectors.joining(", ")));
    }
}
