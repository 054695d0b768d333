package org.nettytls.protocol.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nettytls.fuzz.Bytes;
import org.nettytls.fuzz.Property;
import org.nettytls.protocol.internal.ProtocolVersions.Version;

/** Fuzz target and properties for version strings ({@link ProtocolVersions}) and cipher strings ({@link CipherList}). */
public final class ProtocolStringsFuzzTest {
    private static final String[][] SPELLINGS = {
        {"TLSv1"}, {"TLSv1_1", "TLSv11", "TLSv1.1"}, {"TLSv1_2", "TLSv12", "TLSv1.2"}, {"TLSv1_3", "TLSv13", "TLSv1.3"}};
    private static final String[] CIPHER_SAMPLES = {CipherList.DEFAULT_SPEC, "HIGH:!aNULL:!MD5", "ECDHE-RSA-AES128-GCM-SHA256",
        "ALL:!EXP:!LOW:@STRENGTH", "ECDHE+AESGCM ECDHE+CHACHA20,-kRSA"};

    /** Jazzer: the string is a version string and, when short, a cipher string; each parses or is a TlsException. */
    public static void fuzzerTestOneInput(byte[] data) {
        String s = new String(data, StandardCharsets.UTF_8);
        ProtocolVersions v = Bytes.resultOrTlsException(() -> ProtocolVersions.parse(s));
        if (v != null) {
            assertFalse(v.versions().isEmpty(), "an accepted version string allows no version");
        }
        if (s.length() <= 200) {
            CipherList c = Bytes.resultOrTlsException(() -> CipherList.parse(s));
            if (c != null) {
                assertFalse(c.suites().isEmpty(), "an accepted cipher string selects nothing");
            }
        }
    }

    /**
     * Valid specs built from tokens, against the set computed independently: SSLv23 or nothing positive
     * means all four versions, one positive version means just it, then every '!' removes one.
     */
    @Test
    void generatedVersionStringsAllowExactlyTheComputedSet() {
        Property.forAll("version strings", (Random r) -> {
            List<String> tokens = new ArrayList<>();
            int positive = r.nextInt(5) - 1;
            if (positive >= 0) {
                tokens.add(spell(positive, r));
            }
            if (r.nextBoolean()) {
                tokens.add("SSLv23");
            }
            for (int i = 0, n = r.nextInt(4); i < n; i++) {
                tokens.add("!" + (r.nextInt(6) == 0 ? (r.nextBoolean() ? "SSLv3" : "SSLv2") : spell(r.nextInt(4), r)));
            }
            java.util.Collections.shuffle(tokens, r);
            StringBuilder sb = new StringBuilder();
            for (String t : tokens) {
                sb.append(sb.length() > 0 ? (r.nextBoolean() ? ":" : " : ") : "").append(r.nextBoolean() ? t.toLowerCase(Locale.ROOT) : t);
            }
            return sb.toString();
        }).tries(1500).show(Bytes::show).check(spec -> {
            Set<Version> expected = expected(spec);
            ProtocolVersions parsed = Bytes.resultOrTlsException(() -> ProtocolVersions.parse(spec));
            if (expected.isEmpty()) {
                assertEquals(null, parsed, "expected a TlsException for " + spec);
            } else {
                assertTrue(parsed != null, spec + " was refused");
                assertEquals(expected, parsed.versions(), spec);
            }
        });
    }

    private static String spell(int version, Random r) {
        String[] forms = SPELLINGS[version];
        return forms[r.nextInt(forms.length)];
    }

    /** The oracle; empty when the string must be refused (nothing left, or blank). */
    private static Set<Version> expected(String spec) {
        EnumSet<Version> allowed = EnumSet.allOf(Version.class);
        EnumSet<Version> excluded = EnumSet.noneOf(Version.class);
        if (spec.isBlank()) {
            return EnumSet.noneOf(Version.class);
        }
        for (String raw : spec.split(":")) {
            String t = raw.strip().toUpperCase(Locale.ROOT);
            boolean not = t.startsWith("!");
            t = t.replace("!", "").replace("_", "").replace(".", "");
            Version v = t.equals("TLSV1") ? Version.TLSv1 : t.equals("TLSV11") ? Version.TLSv1_1
                    : t.equals("TLSV12") ? Version.TLSv1_2 : t.equals("TLSV13") ? Version.TLSv1_3 : null;
            if (v == null) {
                continue;
            }
            if (not) {
                excluded.add(v);
            } else {
                allowed = EnumSet.of(v);
            }
        }
        allowed.removeAll(excluded);
        return allowed;
    }

    @Test
    void mutatedVersionStringsParseOrFailWithTlsException() {
        Property.forAll("mutated version strings", (Random r) -> Bytes.mutate(r.nextBoolean() ? "SSLv23:!SSLv3:!TLSv1_1" : "TLSv1.2", r))
                .tries(2000).show(Bytes::show).check(s -> Bytes.resultOrTlsException(() -> ProtocolVersions.parse(s)));
    }

    /** BoringSSL is asked about every rule: fewer tries, each creates native contexts. */
    @Test
    void mutatedCipherStringsExpandOrFailWithTlsException() {
        Property.forAll("mutated cipher strings", (Random r) -> Bytes.mutate(CIPHER_SAMPLES[r.nextInt(CIPHER_SAMPLES.length)], r))
                .tries(300).show(Bytes::show).check(s -> fuzzerTestOneInput(s.getBytes(StandardCharsets.UTF_8)));
    }
}
