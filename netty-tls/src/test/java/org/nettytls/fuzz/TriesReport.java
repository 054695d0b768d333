package org.nettytls.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many inputs each property tried in this run: one file per test class,
 * {@code target/property-tries/CLASS.tsv} in the module that ran it, one line per property
 * ({@code property}, tries, failures), rewritten as the class's properties finish. A class run
 * again replaces its file, so the directory always holds the latest run of every class;
 * {@code fuzz/property-report} sums it into the README's table.
 */
final class TriesReport {
    static final Path DIRECTORY = Path.of("target", "property-tries");

    private static final Map<String, Map<String, String>> LINES = new LinkedHashMap<>();

    private TriesReport() {
    }

    static synchronized void record(Class<?> testClass, String property, int tries, boolean failed) {
        Map<String, String> lines = LINES.computeIfAbsent(testClass.getName(), k -> new LinkedHashMap<>());
        lines.put(property, property.replace('\t', ' ') + "\t" + tries + "\t" + (failed ? 1 : 0) + "\n");
        try {
            Files.createDirectories(DIRECTORY);
            Files.writeString(DIRECTORY.resolve(testClass.getName() + ".tsv"), String.join("", lines.values()),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the property-tries report", e);
        }
    }
}
