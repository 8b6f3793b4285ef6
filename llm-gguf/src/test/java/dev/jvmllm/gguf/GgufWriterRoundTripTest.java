package dev.jvmllm.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufWriterRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void everyMetadataTypeSurvivesARoundTrip() {
        Path file = new GgufWriter()
                .put(new GgufKeyValue("u8", GgufValueType.UINT8, null, 255))
                .put(new GgufKeyValue("i8", GgufValueType.INT8, null, -128))
                .put(new GgufKeyValue("u16", GgufValueType.UINT16, null, 65535))
                .put(new GgufKeyValue("i16", GgufValueType.INT16, null, -32768))
                .putUInt32("u32", 4_294_967_295L)
                .putInt32("i32", Integer.MIN_VALUE)
                .putUInt64("u64", -1L)
                .put(new GgufKeyValue("i64", GgufValueType.INT64, null, Long.MIN_VALUE))
                .putFloat32("f32", 0.1f)
                .put(new GgufKeyValue("f64", GgufValueType.FLOAT64, null, Math.PI))
                .putBool("yes", true)
                .putBool("no", false)
                .putString("text", "héllo 🦙")
                .putString("empty", "")
                .putStringArray("strings", List.of("a", "", "你好"))
                .putFloat32Array("floats", new float[] {1.5f, -2f})
                .putInt32Array("ints", new int[] {7, -1})
                .put(new GgufKeyValue("bytes", GgufValueType.ARRAY, GgufValueType.UINT8, new byte[] {(byte) 200, 1}))
                .put(new GgufKeyValue("shorts", GgufValueType.ARRAY, GgufValueType.INT16, new short[] {-5, 6}))
                .put(new GgufKeyValue("longs", GgufValueType.ARRAY, GgufValueType.INT64, new long[] {1L << 40}))
                .put(new GgufKeyValue("doubles", GgufValueType.ARRAY, GgufValueType.FLOAT64, new double[] {0.25}))
                .put(new GgufKeyValue("bools", GgufValueType.ARRAY, GgufValueType.BOOL, new boolean[] {true, false}))
                .put(new GgufKeyValue("none", GgufValueType.ARRAY, GgufValueType.INT32, new int[0]))
                .write(dir.resolve("meta.gguf"));

        GgufFile gguf = GgufFile.open(file);

        assertThat(gguf.version()).isEqualTo(3);
        assertThat(gguf.tensors()).isEmpty();
        assertThat(gguf.metadata().keySet()).containsExactly("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32",
                "f64", "yes", "no", "text", "empty", "strings", "floats", "ints", "bytes", "shorts", "longs", "doubles",
                "bools", "none");
        assertThat(gguf.metadata().get("u8")).isEqualTo(255);
        assertThat(gguf.metadata().get("i8")).isEqualTo(-128);
        assertThat(gguf.metadata().get("u16")).isEqualTo(65535);
        assertThat(gguf.metadata().get("i16")).isEqualTo(-32768);
        assertThat(gguf.metadata().get("u32")).isEqualTo(4_294_967_295L);
        assertThat(gguf.getInt("i32")).hasValue(Integer.MIN_VALUE);
        assertThat(gguf.metadata().get("u64")).isEqualTo(-1L);
        assertThat(gguf.getLong("i64")).hasValue(Long.MIN_VALUE);
        assertThat(gguf.metadata().get("f32")).isEqualTo(0.1f);
        assertThat(gguf.getDouble("f64")).hasValue(Math.PI);
        assertThat(gguf.getDouble("u64")).hasValue(18446744073709551615.0);
        assertThat(gguf.getBoolean("yes")).contains(true);
        assertThat(gguf.getBoolean("no")).contains(false);
        assertThat(gguf.getString("text")).contains("héllo 🦙");
        assertThat(gguf.getString("empty")).contains("");
        assertThat(gguf.getStringArray("strings").orElseThrow()).containsExactly("a", "", "你好");
        assertThat(gguf.getFloatArray("floats").orElseThrow()).containsExactly(1.5f, -2f);
        assertThat(gguf.getIntArray("ints").orElseThrow()).containsExactly(7, -1);
        assertThat(gguf.getIntArray("bytes").orElseThrow()).containsExactly(200, 1);
        assertThat(gguf.getIntArray("shorts").orElseThrow()).containsExactly(-5, 6);
        assertThat((long[]) gguf.metadata().get("longs")).containsExactly(1L << 40);
        assertThat((double[]) gguf.metadata().get("doubles")).containsExactly(0.25);
        assertThat((boolean[]) gguf.metadata().get("bools")).containsExactly(true, false);
        assertThat(gguf.getIntArray("none").orElseThrow()).isEmpty();
        assertThat(gguf.keyValue("bytes").orElseThrow().elementType()).isEqualTo(GgufValueType.UINT8);
    }

    @Test
    void typedGettersRejectTheWrongType() {
        GgufFile gguf = GgufFile.open(new GgufWriter()
                .putString("text", "x")
                .putUInt64("huge", -1L)
                .putInt32Array("ints", new int[] {1})
                .write(dir.resolve("types.gguf")));

        assertThatThrownBy(() -> gguf.getInt("text")).isInstanceOf(GgufFormatException.class)
                .hasMessage("metadata 'text' is a STRING, not an integer");
        assertThatThrownBy(() -> gguf.getInt("huge")).isInstanceOf(GgufFormatException.class)
                .hasMessage("metadata 'huge' is 18446744073709551615, outside the long range");
        assertThatThrownBy(() -> gguf.getString("ints")).isInstanceOf(GgufFormatException.class)
                .hasMessage("metadata 'ints' is an array of INT32, not a STRING");
        assertThatThrownBy(() -> gguf.getFloatArray("ints")).isInstanceOf(GgufFormatException.class)
                .hasMessage("metadata 'ints' is an array of INT32, not an array of FLOAT32");
        assertThat(gguf.architecture()).isEmpty();
    }

    @Test
    void tensorsSurviveARoundTripInEveryWritableType() {
        float[] matrix = {0f, 1f, -2.5f, 3.25f, 0.125f, -65504f};
        byte[] q80 = new byte[34];
        // one Q8_0 block: scale 0.5 (f16 0x3800), then 32 signed bytes
        q80[0] = 0x00;
        q80[1] = 0x38;
        for (int i = 0; i < 32; i++) {
            q80[2 + i] = (byte) (i - 16);
        }
        byte[] q40 = new byte[18];
        // one Q4_0 block: scale 2 (f16 0x4000); byte j holds element j (low nibble) and j+16 (high)
        q40[1] = 0x40;
        for (int j = 0; j < 16; j++) {
            q40[2 + j] = (byte) (j | (15 - j) << 4);
        }
        byte[] bf16 = {(byte) 0x80, 0x3F, 0x00, (byte) 0xC0}; // 1.0, -2.0
        Path file = new GgufWriter()
                .putUInt32(GgufFile.ALIGNMENT_KEY, 64)
                .addTensor("m", new long[] {3, 2}, matrix)
                .addTensor("half", new long[] {6}, matrix, GgmlType.F16)
                .addRawTensor("q8", new long[] {32}, GgmlType.Q8_0, q80)
                .addRawTensor("q4", new long[] {32}, GgmlType.Q4_0, q40)
                .addRawTensor("bf", new long[] {2, 1}, GgmlType.BF16, bf16)
                .write(dir.resolve("tensors.gguf"));

        GgufFile gguf = GgufFile.open(file);

        assertThat(gguf.alignment()).isEqualTo(64);
        assertThat(gguf.dataStart() % 64).isZero();
        assertThat(gguf.tensors()).extracting(GgufTensor::name).containsExactly("m", "half", "q8", "q4", "bf");
        assertThat(gguf.tensors()).extracting(GgufTensor::offset).containsExactly(0L, 64L, 128L, 192L, 256L);
        GgufTensor m = gguf.tensor("m").orElseThrow();
        assertThat(m.dimensions()).containsExactly(3, 2);
        assertThat(m.elementCount()).isEqualTo(6);
        assertThat(gguf.readF32(m)).containsExactly(matrix);
        // every value is exactly representable in f16
        assertThat(gguf.readF32(gguf.tensor("half").orElseThrow())).containsExactly(matrix);
        assertThat(gguf.tensor("half").orElseThrow().byteSize()).isEqualTo(12);
        float[] q8 = gguf.readF32(gguf.tensor("q8").orElseThrow());
        for (int i = 0; i < 32; i++) {
            assertThat(q8[i]).isEqualTo(0.5f * (i - 16));
        }
        float[] q4 = gguf.readF32(gguf.tensor("q4").orElseThrow());
        for (int j = 0; j < 16; j++) {
            assertThat(q4[j]).isEqualTo(2f * (j - 8));
            assertThat(q4[16 + j]).isEqualTo(2f * (15 - j - 8));
        }
        assertThat(gguf.readF32(gguf.tensor("bf").orElseThrow())).containsExactly(1f, -2f);
        assertThat(gguf.readBytes(gguf.tensor("q8").orElseThrow())).isEqualTo(q80);
    }

    @Test
    void unsupportedTensorTypesAndForeignTensorsAreRefused() {
        GgufFile gguf = GgufFile.open(new GgufWriter()
                .addRawTensor("k", new long[] {256}, GgmlType.Q4_K, new byte[144])
                .write(dir.resolve("q4k.gguf")));

        assertThatThrownBy(() -> gguf.readF32(gguf.tensor("k").orElseThrow()))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage("cannot read tensor 'k' of type Q4_K as floats (supported: F32, F16, BF16, Q8_0, Q4_0)");
        GgufTensor foreign = new GgufTensor("k", new long[] {256}, GgmlType.Q4_K, 32, 144);
        assertThatThrownBy(() -> gguf.readBytes(foreign)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a tensor of");
    }

    @Test
    void theWriterRejectsInconsistentInput() {
        GgufWriter writer = new GgufWriter().addTensor("t", new long[] {2}, new float[2]);

        assertThatThrownBy(() -> writer.addTensor("t", new long[] {2}, new float[2]))
                .hasMessage("tensor 't' was already added");
        assertThatThrownBy(() -> writer.addTensor("u", new long[] {3}, new float[2]))
                .hasMessage("tensor 'u' has 3 elements by its dimensions but 2 values");
        assertThatThrownBy(() -> writer.addTensor("v", new long[] {1, 1, 1, 1, 1}, new float[1]))
                .hasMessage("tensor 'v' has 5 dimensions (1..4 allowed)");
        assertThatThrownBy(() -> writer.addRawTensor("w", new long[] {16}, GgmlType.Q8_0, new byte[34]))
                .hasMessage("tensor 'w': rows of 16 elements are not a multiple of the Q8_0 block size 32");
        assertThatThrownBy(() -> writer.addTensor("x".repeat(64), new long[] {1}, new float[1]))
                .hasMessageContaining("is longer than 63 bytes");
        assertThatThrownBy(() -> writer.putUInt32("k", -1)).hasMessage("k: -1 is outside the UINT32 range");
        assertThatThrownBy(() -> writer.put(new GgufKeyValue("k", GgufValueType.UINT8, null, 256)))
                .hasMessage("metadata 'k': a Integer is not a valid UINT8 value (see GgufValueType)");
        assertThatThrownBy(() -> writer.putUInt32(GgufFile.ALIGNMENT_KEY, 48))
                .hasMessage("general.alignment must be a UINT32 power of two");
    }
}
