package dev.jvmllm.gguf;

import java.util.Objects;

/**
 * One metadata entry of a GGUF file: its key, its type and its value in the Java representation
 * that {@link GgufValueType} documents.
 *
 * @param key the key, such as {@code general.architecture}
 * @param type the value's type
 * @param elementType for an {@link GgufValueType#ARRAY} the type of its elements, otherwise {@code null}
 * @param value the value (never {@code null})
 */
public record GgufKeyValue(String key, GgufValueType type, GgufValueType elementType, Object value) {

    public GgufKeyValue {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if ((type == GgufValueType.ARRAY) != (elementType != null)) {
            throw new IllegalArgumentException("elementType must be given for arrays and only for arrays (key " + key + ")");
        }
    }
}
