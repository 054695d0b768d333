package org.nettytls.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.nettytls.TlsException;

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
     * @throws TlsException naming {@code dir} when it does not exist, is no directory or cannot be listed
     */
    public static List<Path> list(Path dir, Predicate<String> name) throws TlsException {
        if (!Files.exists(dir)) {
            throw TlsException.badInput(dir.toString(), "no such directory", null);
        }
        if (!Files.isDirectory(dir)) {
            throw TlsException.badInput(dir.toString(), "is not a directory", null);
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> name.test(p.getFileName().toString()) && Files.isRegularFile(p))
                    .sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw TlsException.badInput(dir.toString(), "cannot list directory: " + e.getMessage(), e);
        }
    }
}
