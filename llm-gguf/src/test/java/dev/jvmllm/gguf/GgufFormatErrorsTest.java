package dev.jvmllm.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Files that are not (complete, valid) GGUF files fail with a message that says what is wrong. */
class GgufFormatErrorsTest {
    @TempDir
    Path dir;

    private Path file(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void emptyFile() throws Exception {
        Path empty = file("empty.gguf", new byte[0]);
        assertThatThrownBy(() -> GgufFile.open(empty)).isInstanceOf(GgufFormatException.class)
                .hasMessage("not a GGUF file: " + empty + " is empty");
        assertThat(GgufFile.hasMagic(empty)).isFalse();
    }

    @Test
    void textFile() throws Exception {
        Path text = file("story.gguf", "Once upon a time there was a text file.".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> GgufFile.open(text)).isInstanceOf(GgufFormatException.class)
                .hasMessage("not a GGUF file (magic 0x4f6e6365 'Once', expected 'GGUF'): " + text);
        assertThat(GgufFile.hasMagic(text)).isFalse();
    }

    @Test
    void missingFileAndDirectoryAreIoErrors() {
        assertThatThrownBy(() -> GgufFile.open(dir.resolve("missing.gguf"))).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("missing.gguf");
        assertThatThrownBy(() -> GgufFile.open(dir)).isInstanceOf(UncheckedIOException.class);
        assertThat(GgufFile.hasMagic(dir.resolve("missing.gguf"))).isFalse();
        assertThat(GgufFile.hasMagic(dir)).isFalse();
    }

    @Test
    void everyTruncationOfAModelIsReported() throws Exception {
        byte[] whole = Files.readAllBytes(RandomLlamaModel.defaults().write(dir.resolve("whole.gguf")));
        assertThat(GgufFile.hasMagic(dir.resolve("whole.gguf"))).isTrue();
        Path cut = dir.resolve("cut.gguf");
        // every length through the header, then a sample through the data
        for (int length = 1; length < whole.length; length += length < 2_000 ? 1 : 499) {
            Files.write(cut, Arrays.copyOf(whole, length));
            int n = length;
            assertThatThrownBy(() -> GgufFile.open(cut)).as("first %d bytes", n).isInstanceOf(GgufFormatException.class)
                    .hasMessageFindingMatch(n < 4 ? "^not a GGUF file: .* has only \\d bytes$" : "^truncated GGUF: ");
        }
    }

    @Test
    void truncatedStoriesModel() throws Exception {
        byte[] whole = Files.readAllBytes(TestModel.stories());
        Path cut = file("stories-cut.gguf", Arrays.copyOf(whole, 600_000));
        assertThatThrownBy(() -> GgufFile.open(cut)).isInstanceOf(GgufFormatException.class)
                .hasMessage("truncated GGUF: the data of tensor 'blk.1.ffn_up.weight' ends at offset 639840,"
                        + " but the file ends at 600000: " + cut);
        Path header = file("stories-header.gguf", Arrays.copyOf(whole, 5000));
        assertThatThrownBy(() -> GgufFile.open(header)).isInstanceOf(GgufFormatException.class)
                .hasMessageStartingWith("truncated GGUF: ")
                .hasMessageContaining("while reading metadata entry 'tokenizer.ggml.tokens'")
                .hasMessageEndingWith("but the file ends at 5000");
    }

    /** Builds GGUF headers by hand, with whatever values a test needs. */
    private static final class Header {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Header u32(long v) {
            return bytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        }

        Header u64(long v) {
            return bytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Header str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).bytes(b);
        }

        Header bytes(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        /** Magic, version 3 and the two counts. */
        static Header start(long tensors, long keyValues) {
            return new Header().u32(GgufFile.MAGIC).u32(3).u64(tensors).u64(keyValues);
        }

        byte[] build() {
            // trailing zeros so that "the file ends" is not what the test trips over
            out.writeBytes(new byte[256]);
            return out.toByteArray();
        }
    }

    private void assertFails(Header header, String message) throws Exception {
        Path path = file("bad.gguf", header.build());
        assertThatThrownBy(() -> GgufFile.open(path)).isInstanceOf(GgufFormatException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void corruptHeaders() throws Exception {
        assertFails(new Header().u32(GgufFile.MAGIC).u32(1).u64(0).u64(0), "GGUF version 1 is not supported");
        assertFails(new Header().u32(GgufFile.MAGIC).u32(3L << 24).u64(0).u64(0),
                "unsupported GGUF version 50331648 (looks like a big-endian GGUF file)");
        assertFails(new Header().u32(GgufFile.MAGIC).u32(4).u64(0).u64(0), "unsupported GGUF version 4");
        assertFails(Header.start(-1, 0), "corrupt GGUF: tensor count 18446744073709551615 is too large");
        assertFails(Header.start(1_000_000, 0), "truncated GGUF: tensor count 1000000 needs 24000000 bytes at offset 16 while reading the tensor and metadata counts, but the file ends at 280");
        assertFails(Header.start(0, 1).u64(Long.MAX_VALUE), "corrupt GGUF: string length 9223372036854775807 is too large");
        assertFails(Header.start(0, 1).u64(1_000_000_000), "truncated GGUF: string length 1000000000 needs 1000000000 bytes");
        assertFails(Header.start(0, 1).str("k").u32(13), "unknown GGUF metadata value type 13");
        assertFails(Header.start(0, 1).str("k").u32(9).u32(8).u64(1L << 40),
                "corrupt GGUF: array length 1099511627776 is too large");
        assertFails(Header.start(0, 1).str("k").u32(9).u32(5).u64(100_000),
                "truncated GGUF: array length 100000 needs 400000 bytes");
        assertFails(Header.start(0, 1).str("k").u32(9).u32(9).u32(5).u64(1),
                "unsupported GGUF: metadata 'k' is an array of arrays");
        assertFails(Header.start(0, 1).str("k").u32(7).bytes(new byte[] {2}), "corrupt GGUF: a bool holds 2");
        assertFails(Header.start(0, 2).str("k").u32(5).u32(1).str("k").u32(5).u32(2),
                "corrupt GGUF: duplicate metadata key 'k'");
        assertFails(Header.start(0, 1).str(GgufFile.ALIGNMENT_KEY).u32(4).u32(48),
                "corrupt GGUF: general.alignment is 48, not a power of two");
        assertFails(Header.start(0, 1).str(GgufFile.ALIGNMENT_KEY).u32(5).u32(32),
                "corrupt GGUF: general.alignment is a INT32, not a UINT32");
        assertFails(Header.start(1, 0).str("t").u32(5), "corrupt GGUF: tensor 't' has 5 dimensions (1..4 allowed)");
        assertFails(Header.start(1, 0).str("t").u32(2).u64(4).u64(-4).u32(0).u64(0),
                "corrupt GGUF: tensor 't' has dimension 1 of 18446744073709551612");
        assertFails(Header.start(1, 0).str("t").u32(2).u64(1L << 40).u64(1L << 40).u32(0).u64(0),
                "corrupt GGUF: tensor 't' has too many elements");
        assertFails(Header.start(1, 0).str("t").u32(1).u64(4).u32(4).u64(0),
                "unsupported GGUF: tensor 't' has an unknown ggml tensor type 4");
        assertFails(Header.start(1, 0).str("t").u32(1).u64(16).u32(8).u64(0),
                "corrupt GGUF: tensor 't' of type Q8_0 has rows of 16 elements, not a multiple of the block size 32");
        assertFails(Header.start(1, 0).str("t").u32(1).u64(4).u32(0).u64(3),
                "corrupt GGUF: tensor 't' has offset 3, not a multiple of the alignment 32");
        assertFails(Header.start(1, 0).str("t").u32(1).u64(1_000_000).u32(0).u64(0),
                "truncated GGUF: the data of tensor 't' ends at offset 4000064");
        assertFails(Header.start(2, 0).str("t").u32(1).u64(1).u32(0).u64(0).str("t").u32(1).u64(1).u32(0).u64(32),
                "corrupt GGUF: duplicate tensor name 't'");
        assertFails(Header.start(1, 0).str("x".repeat(64)).u32(1).u64(1).u32(0).u64(0),
                "unsupported GGUF: tensor name '" + "x".repeat(64) + "' is longer than 63 bytes");
    }

    /**
     * Random corruption of a valid header never escapes as anything but a {@link GgufFormatException}
     * (no OutOfMemoryError, no NegativeArraySizeException, no hang).
     */
    @Test
    void randomCorruptionIsAlwaysAFormatErrorOrAValidFile() throws Exception {
        byte[] whole = Files.readAllBytes(RandomLlamaModel.defaults().write(dir.resolve("fuzz-base.gguf")));
        int headerBytes = (int) GgufFile.open(dir.resolve("fuzz-base.gguf")).dataStart();
        Random random = new Random(1);
        Path fuzz = dir.resolve("fuzz.gguf");
        int failures = 0;
        for (int round = 0; round < 1000; round++) {
            byte[] bytes = whole.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                bytes[random.nextInt(headerBytes)] = (byte) random.nextInt(256);
            }
            Files.write(fuzz, bytes);
            try {
                GgufFile.open(fuzz);
            } catch (GgufFormatException expected) {
                failures++;
            }
        }
        assertThat(failures).isPositive();
    }
}
