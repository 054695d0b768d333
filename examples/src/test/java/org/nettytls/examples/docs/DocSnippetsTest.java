package org.nettytls.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsErrorCode;

/**
 * The documentation's code cannot rot: every fenced {@code java} block in README.md and docs/*.md
 * is, whitespace aside, the region between {@code // tag::NAME[]} and {@code // end::NAME[]} of a
 * sample in this package, which the build compiles; every region is shown somewhere; the error
 * page lists every {@link TlsErrorCode}; and every relative link points at a file that exists.
 * Files are read relative to the project root (the examples module's parent).
 */
class DocSnippetsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path SAMPLES = ROOT.resolve("examples/src/test/java/org/nettytls/examples/docs");
    private static final Pattern TAG = Pattern.compile("^\\s*// tag::([\\w-]+)\\[\\]\\s*$");
    private static final Pattern FENCE = Pattern.compile("^```(\\w*)\\s*$");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");

    record Block(Path file, int line, String text) {
    }

    private static Map<String, String> regions;
    private static List<Block> blocks;

    @BeforeAll
    static void read() throws IOException {
        assertTrue(Files.isRegularFile(ROOT.resolve("README.md")), "the project root holds README.md: " + ROOT);
        regions = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(SAMPLES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = TAG.matcher(lines.get(i));
                    if (!m.matches()) {
                        continue;
                    }
                    String name = m.group(1);
                    int end = i + 1;
                    while (end < lines.size() && !lines.get(end).trim().equals("// end::" + name + "[]")) {
                        end++;
                    }
                    assertTrue(end < lines.size(), f.getFileName() + ": tag::" + name + "[] has no end");
                    String previous = regions.put(name, String.join("\n", lines.subList(i + 1, end)));
                    assertEquals(null, previous, "region " + name + " is defined twice");
                }
            }
        }
        blocks = new ArrayList<>();
        for (Path doc : docs()) {
            List<String> lines = Files.readAllLines(doc);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = FENCE.matcher(lines.get(i));
                if (!m.matches() || m.group(1).isEmpty()) {
                    continue;
                }
                int end = i + 1;
                while (end < lines.size() && !lines.get(end).trim().equals("```")) {
                    end++;
                }
                if (m.group(1).equals("java")) {
                    blocks.add(new Block(ROOT.relativize(doc), i + 1, String.join("\n", lines.subList(i + 1, end))));
                }
                i = end;
            }
        }
    }

    static List<Path> docs() throws IOException {
        List<Path> docs = new ArrayList<>();
        docs.add(ROOT.resolve("README.md"));
        try (Stream<Path> pages = Files.list(ROOT.resolve("docs"))) {
            pages.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        return docs;
    }

    /** Lines trimmed, runs of blanks made one, empty lines dropped: alignment may differ, code may not. */
    static String normalize(String code) {
        return code.lines().map(l -> l.trim().replaceAll("\\s+", " ")).filter(l -> !l.isEmpty())
                .collect(Collectors.joining("\n"));
    }

    @Test
    void everyJavaBlockIsACompiledSampleRegion() {
        assertTrue(blocks.size() >= 3, "found the README's recipes: " + blocks.size());
        Map<String, String> byText = new LinkedHashMap<>();
        regions.forEach((name, text) -> byText.put(normalize(text), name));
        List<String> drifted = new ArrayList<>();
        for (Block b : blocks) {
            if (!byText.containsKey(normalize(b.text()))) {
                drifted.add(b.file() + ":" + b.line() + " (starting '" + b.text().strip().lines().findFirst().orElse("")
                        + "') matches no tagged region in " + ROOT.relativize(SAMPLES) + "; nearest: " + nearest(b.text()));
            }
        }
        if (!drifted.isEmpty()) {
            fail("documentation code that the build does not compile:\n" + String.join("\n", drifted));
        }
    }

    @Test
    void everySampleRegionIsShownInTheDocumentation() {
        Set<String> shown = blocks.stream().map(b -> normalize(b.text())).collect(Collectors.toSet());
        Set<String> unused = new TreeSet<>();
        regions.forEach((name, text) -> {
            if (!shown.contains(normalize(text))) {
                unused.add(name);
            }
        });
        assertEquals(Set.of(), unused, "sample regions no page shows (copy them into a ```java block, or drop them)");
    }

    @Test
    void errorPageListsEveryCode() throws IOException {
        String page = Files.readString(ROOT.resolve("docs/errors.md"));
        Set<String> missing = new TreeSet<>();
        for (TlsErrorCode code : TlsErrorCode.values()) {
            if (!page.contains("| `" + code.id() + "` |")) {
                missing.add(code.id());
            }
        }
        assertEquals(Set.of(), missing, "docs/errors.md has no table row for these codes");
    }

    @Test
    void relativeLinksPointAtFilesThatExist() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : docs()) {
            Matcher m = LINK.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1);
                if (target.contains("://") || target.startsWith("mailto:")) {
                    continue;
                }
                if (!Files.exists(doc.getParent().resolve(target))) {
                    broken.add(ROOT.relativize(doc) + ": " + target);
                }
            }
        }
        assertEquals(List.of(), broken, "links to files that do not exist");
    }

    /** The region sharing the most lines with {@code text}, to point a failure at what drifted. */
    private static String nearest(String text) {
        Set<String> lines = Set.copyOf(normalize(text).lines().toList());
        String best = "none";
        long most = 0;
        for (Map.Entry<String, String> r : regions.entrySet()) {
            long common = normalize(r.getValue()).lines().filter(lines::contains).count();
            if (common > most) {
                most = common;
                best = r.getKey() + " (" + common + " lines in common)";
            }
        }
        return best;
    }
}
