package dev.jvmllm.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * The description of one tensor in a GGUF file (not its data: read that with
 * {@link GgufFile#readF32} or {@link GgufFile#readBytes}).
 *
 * @param name the tensor's name, such as {@code blk.0.attn_q.weight}
 * @param dimensions the extent of each dimension, <b>innermost first</b> as ggml lists them: a
 *                   weight matrix applied as {@code y = W x} with {@code x} of length {@code in} and
 *                   {@code y} of length {@code out} is {@code [in, out]}; callers get a copy
 * @param type the element type
 * @param offset where the data starts, relative to {@link GgufFile#dataStart()}
 * @param byteSize how many bytes the data takes
 */
public record GgufTensor(String name, long[] dimensions, GgmlType type, long offset, long byteSize) {

    public GgufTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        dimensions = dimensions.clone();
    }

    @Override
    public long[] dimensions() {
        return dimensions.clone();
    }

    /** How many dimensions the tensor has. */
    public int rank() {
        return dimensions.length;
    }

    /** The extent of one dimension (0 is the innermost). */
    public long dimension(int index) {
        return dimensions[index];
    }

    /** The number of elements: the product of all dimensions. */
    public long elementCount() {
        long count = 1;
        for (long d : dimensions) {
            count *= d;
        }
        return count;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof GgufTensor t && name.equals(t.name) && Arrays.equals(dimensions, t.dimensions)
                && type == t.type && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(dimensions), type, offset, byteSize);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(dimensions) + " " + type;
    }
}
