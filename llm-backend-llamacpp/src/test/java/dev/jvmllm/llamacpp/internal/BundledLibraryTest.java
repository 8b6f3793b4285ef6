package dev.jvmllm.llamacpp.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The native library is extracted once into a private cache and re-extracted when the copy is damaged. */
class BundledLibraryTest {
    @TempDir
    Path tmp;

    @Test
    void findsTheLibraryForThisPlatform() throws Exception {
        assertThat(BundledLibrary.resourceName())
                .matches("de/kherud/llama/(Linux|Linux-Android|Mac|Windows)/(x86_64|aarch64)/(libjllama\\.so|libjllama\\.dylib|jllama\\.dll)");
        Path loaded = LlamaLibraries.get(Optional.of(LlamaLibraries.BUNDLED)).path();
        assertThat(loaded).isEqualTo(BundledLibrary.extract());
        assertThat(loaded.getFileName().toString()).isEqualTo(System.mapLibraryName("jllama"));
        assertThat(loaded.getParent().getFileName().toString()).matches("[0-9a-f]{16}");
        assertThat(loaded.getParent().getParent().getFileName().toString())
                .isEqualTo("jvmllm-" + System.getProperty("user.name"));
    }

    @Test
    void extractsIntoAPrivateDirectoryAndRepairsADamagedCopy() throws Exception {
        String before = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString());
        try {
            Path first = BundledLibrary.extract();
            Path root = tmp.resolve("jvmllm-" + System.getProperty("user.name"));
            assertThat(first.getParent().getParent()).isEqualTo(root);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwx------");
            byte[] original;
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(BundledLibrary.resourceName())) {
                original = in.readAllBytes();
            }
            assertThat(Files.readAllBytes(first)).isEqualTo(original);
            long modified = Files.getLastModifiedTime(first).toMillis();

            // a second start finds the copy and leaves it alone
            assertThat(BundledLibrary.extract()).isEqualTo(first);
            assertThat(Files.getLastModifiedTime(first).toMillis()).isEqualTo(modified);

            // a damaged copy (same size, other bytes) is replaced
            byte[] damaged = original.clone();
            damaged[damaged.length / 2] ^= 0x55;
            Files.write(first, damaged);
            assertThat(BundledLibrary.extract()).isEqualTo(first);
            assertThat(Files.readAllBytes(first)).isEqualTo(original);
            try (var files = Files.list(first.getParent())) {
                assertThat(files).containsExactly(first);
            }
        } finally {
            System.setProperty("java.io.tmpdir", before);
        }
    }
}
