package dev.jvmllm.llamacpp.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;

/**
 * The llama.cpp library that the {@code de.kherud:llama} jar ships for this platform (b4916),
 * copied once into a private cache directory so that it can be loaded: the fallback that works
 * wherever Maven Central does.
 *
 * <p>The cache is {@code ${java.io.tmpdir}/jvmllm-<user>/<first 16 hex digits of the library's
 * SHA-256>/}, readable only by its owner. The file is written under a temporary name and moved
 * into place atomically, so JVMs that start at the same time never load a half-written library;
 * an existing copy is used only if its hash matches.
 *
 * <p>The library only needs system libraries beside it ({@code libgomp}, {@code libstdc++},
 * {@code libc}; checked with {@code readelf -d}), so one file is all there is to extract.
 */
public final class BundledLibrary {
    private static final Logger log = LoggerFactory.getLogger(BundledLibrary.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private BundledLibrary() {
    }

    /**
     * The extracted library file, extracting it first where there is no good copy.
     *
     * @throws IllegalStateException if the jar is not on the class path or has no library for this platform
     */
    public static Path extract() throws IOException {
        if (ValueLayout.ADDRESS.byteSize() != 8) {
            throw new IllegalStateException("only 64-bit JVMs are supported");
        }
        String resource = resourceName();
        byte[] library;
        try (InputStream in = BundledLibrary.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the class path has no " + resource
                        + ": add de.kherud:llama (4.2.0) for this platform (" + System.getProperty("os.name") + ", "
                        + System.getProperty("os.arch") + ")");
            }
            library = in.readAllBytes();
        }
        String hash = sha256(library);
        Path directory = cacheRoot().resolve(hash.substring(0, 16));
        Files.createDirectories(directory);
        Path target = directory.resolve(resource.substring(resource.lastIndexOf('/') + 1));
        if (Files.isRegularFile(target) && Files.size(target) == library.length && hash.equals(sha256(Files.readAllBytes(target)))) {
            return target;
        }
        Path temp = Files.createTempFile(directory, "extract-", ".tmp");
        try {
            Files.write(temp, library);
            // rename is atomic: another JVM sees either no file or the whole file, never a partial one
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        log.debug("extracted {} to {}", resource, target);
        return target;
    }

    /** {@code de/kherud/llama/<OS>/<arch>/<library file>}, as the jar lays them out. */
    static String resourceName() {
        String osName = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String os;
        if (osName.startsWith("linux")) {
            os = System.getProperty("java.vm.vendor", "").contains("Android") ? "Linux-Android" : "Linux";
        } else if (osName.startsWith("mac") || osName.startsWith("darwin")) {
            os = "Mac";
        } else if (osName.startsWith("windows")) {
            os = "Windows";
        } else {
            throw new IllegalStateException("no llama.cpp library for the operating system " + osName);
        }
        String archName = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String arch = switch (archName) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> throw new IllegalStateException("no llama.cpp library for the processor architecture " + archName);
        };
        return "de/kherud/llama/" + os + "/" + arch + "/" + System.mapLibraryName("jllama");
    }

    /**
     * {@code ${java.io.tmpdir}/jvmllm-<user>}, private to the user. If that directory exists but
     * others could write to it (so could swap the library), a fresh private directory is used instead.
     */
    private static Path cacheRoot() throws IOException {
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "jvmllm-" + user);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (!posix) {
            return Files.createDirectories(root);
        }
        if (!Files.exists(root)) {
            try {
                Files.createDirectory(root, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another JVM created it first: checked below like any existing directory
            }
        }
        if (Files.isDirectory(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && Files.getPosixFilePermissions(root).equals(OWNER_ONLY)
                && Files.getOwner(root).getName().equals(System.getProperty("user.name"))) {
            return root;
        }
        log.warn("{} is not a private directory of this user; extracting llama.cpp to a new temporary directory", root);
        return Files.createTempDirectory("jvmllm-", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
