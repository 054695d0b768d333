package org.nettytls.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * The peers whose interop tests were skipped, one line each, for the build to print: surefire
 * keeps what tests print in files, so the lines go to the file named by
 * {@code netty-tls.missing-peers.report} (the module's {@code target/missing-peers.txt}), which
 * the build prints after the tests (maven-antrun-plugin in the parent POM). A peer missing for
 * several modules is reported by the first only: every module of one build (same
 * {@code netty-tls.build-id}) shares the list in {@code netty-tls.missing-peers.seen}.
 * Without those properties (a run from an IDE) the skip reasons alone say it.
 */
public final class MissingPeers implements LauncherSessionListener {
    private static final Set<String> RECORDED = new HashSet<>();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        Path report = path("netty-tls.missing-peers.report");
        if (report != null) {
            try {
                Files.deleteIfExists(report);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot reset " + report, e);
            }
        }
    }

    /** Notes a missing peer ({@code what} is missing, and how to install it); once per peer and build. */
    static synchronized void record(String missing) {
        if (!RECORDED.add(missing)) {
            return;
        }
        Path report = path("netty-tls.missing-peers.report");
        Path seen = path("netty-tls.missing-peers.seen");
        if (report == null || seen == null) {
            return;
        }
        write(report, seen, System.getProperty("netty-tls.build-id", ""), "interop tests skipped: " + missing);
    }

    /** Adds {@code line} to {@code report} unless an earlier module of build {@code build} did (as listed in {@code seen}). */
    static void write(Path report, Path seen, String build, String line) {
        try {
            List<String> earlier = Files.exists(seen) ? Files.readAllLines(seen, StandardCharsets.UTF_8) : List.of();
            List<String> lines = new ArrayList<>(!earlier.isEmpty() && earlier.get(0).equals(build) ? earlier : List.of(build));
            if (lines.contains(line)) {
                return;
            }
            lines.add(line);
            Files.createDirectories(seen.getParent());
            Files.write(seen, lines, StandardCharsets.UTF_8);
            Files.createDirectories(report.getParent());
            Files.write(report, List.of(line), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record '" + line + "' in " + report, e);
        }
    }

    private static Path path(String property) {
        String value = System.getProperty(property);
        return value == null || value.isBlank() ? null : Path.of(value);
    }
}
