package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.fuzz.Bytes;
import org.nettytls.fuzz.Property;
import org.nettytls.internal.Idna;

/** Fuzz target and properties for the public suffix parser and its queries ({@link PublicSuffix}). */
public final class PublicSuffixFuzzTest {
    static final String RULES = "// ===BEGIN ICANN DOMAINS===\ncom\nuk\nco.uk\n*.ck\n!www.ck\n// comment\nбел\n*.kawasaki.jp\n"
            + "!city.kawasaki.jp\nxn--p1ai\n  \t\n// VERSION: 2026\n";
    private static final String[] LABELS = {"www", "co", "uk", "com", "ck", "www", "kawasaki", "jp", "city", "бел", "xn--p1ai",
        "xn--sg45806p", "ü", "A", "", "x"};

    /** Jazzer: the bytes up to the first NUL are rules, the rest a name to query. */
    public static void fuzzerTestOneInput(byte[] data) {
        int nul = 0;
        while (nul < data.length && data[nul] != 0) {
            nul++;
        }
        String rules = new String(data, 0, nul, StandardCharsets.UTF_8);
        String name = nul < data.length ? new String(data, nul + 1, data.length - nul - 1, StandardCharsets.UTF_8) : "";
        PublicSuffix parsed = Bytes.resultOrTlsException(() -> PublicSuffix.fromString(rules));
        checkQuery(PublicSuffix.builtIn(), name, data.length % 3);
        if (parsed != null) {
            checkQuery(parsed, name, data.length % 3);
        }
    }

    /** A query never throws; for an ASCII name the split puts the name's labels back together. */
    static void checkQuery(PublicSuffix list, String name, int add) {
        Optional<PublicSuffix.Split> split = list.publicSuffix(name, add);
        if (split.isEmpty() || !Idna.isAscii(name)) {
            return;
        }
        List<String> labels = new ArrayList<>();
        for (String l : Idna.asciiLower(name).split("\\.")) {
            if (!l.isEmpty()) {
                labels.add(l);
            }
        }
        String suffix = split.get().suffix();
        String bare = suffix.endsWith(".") ? suffix.substring(0, suffix.length() - 1) : suffix;
        String joined = split.get().rest().isEmpty() ? bare : bare.isEmpty() ? split.get().rest() : split.get().rest() + "." + bare;
        assertEquals(String.join(".", labels), joined, "rest and suffix of " + Bytes.show(name));
        assertEquals(list.publicSuffixOfLabels(labels, add).orElseThrow().suffix(), bare,
                "the name and the label forms of " + Bytes.show(name) + " disagree");
    }

    private static String name(Random r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0, n = 1 + r.nextInt(5); i < n; i++) {
            sb.append(i > 0 ? "." : "").append(LABELS[r.nextInt(LABELS.length)]);
        }
        if (r.nextInt(4) == 0) {
            sb.append('.');
        }
        return r.nextInt(3) == 0 ? Bytes.mutate(sb.toString(), r) : sb.toString();
    }

    @Test
    void mutatedRuleFilesParseOrFailWithTlsExceptionAndAnswerEveryQuery() {
        Property.forAll("public suffix rules and queries", (Random r) -> Bytes.mutate(RULES, r) + "\0" + name(r))
                .tries(400).show(Bytes::show).maxAllocation(s -> 16L * 1024 * 1024 + 512L * s.length())
                .check(s -> fuzzerTestOneInput(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void queriesOfTheBuiltInListSplitNamesBackIntoThemselves() {
        Property.forAll("built-in list queries", (Random r) -> new Object[] {name(r), r.nextInt(3)}).tries(2000)
                .show(a -> Bytes.show((String) a[0]) + " add " + a[1])
                .check(a -> checkQuery(PublicSuffix.builtIn(), (String) a[0], (Integer) a[1]));
    }

    @Test
    void aFileThatIsNotUtf8IsATlsException(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("psl.dat");
        Property.forAll("public suffix files", (Random r) -> Bytes.mutate(RULES.getBytes(StandardCharsets.UTF_8), r))
                .tries(150).show(Bytes::show).check(bytes -> {
                    Files.write(file, bytes);
                    Bytes.resultOrTlsException(() -> PublicSuffix.fromFile(file));
                });
    }

    /** Found through the identity parser: a U-label name ending in overflowing Punycode threw IllegalArgumentException. */
    @Test
    void aUnicodeNameWithOverflowingPunycodeHasNoSuffix() {
        assertTrue(PublicSuffix.builtIn().publicSuffix("ü.xn--sg45806p", 0).isEmpty());
        assertTrue(PublicSuffix.builtIn().publicSuffix("ü.xn--sg45806p.com", 1).isEmpty());
    }
}
