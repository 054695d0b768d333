package org.nettytls.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Not API: the listing of a hashed directory ({@code SSL_ca_path}) that {@code CaStore} reads for
 * certificates and {@code CrlStore} for CRLs, with the errors both give when it cannot be read.
 */
public final class DirectoryFiles {
    private DirectoryFiles() {
    }

    /**
     * The regular files of {@code dir} (symbolic links followed) whose names {@code name} accepts,
     * sorted, so that loading does not depend on the file system's order.
     *
     * @throws IOException saying what is wrong ({@code no such directory}, {@code is not a directory}, or
     *     {@code cannot list directory: ...} with the cause), for the caller to report with {@code dir}
     */
    public static List<Path> list(Path dir, Predicate<String> name) throws IOException {
        if (!Files.exists(dir)) {
            throw new IOException("no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException("is not a directory");
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> name.test(p.getFileName().toString()) && Files.isRegularFile(p))
                    .sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new IOException("cannot list directory: " + e.getMessage(), e);
        }
    }
}
