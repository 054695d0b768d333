package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.nettytls.fuzz.Bytes;
import org.nettytls.fuzz.Property;
import org.nettytls.internal.Idna;
import org.nettytls.internal.IpLiterals;

/**
 * Fuzz target and properties for the hostname matcher and the identity parser
 * ({@link HostnameVerification}, {@link HostnameScheme}, {@link Idna}, {@link IpLiterals}): agreement
 * with independent oracles for the simple cases, soundness for all, and invariances.
 */
public final class HostnameVerificationFuzzTest {
    private static final String[] LABELS = {"a", "b", "www", "fuzz", "test", "co", "uk", "com", "xn--bcher-kva", "bücher",
        "ü", "A", "WWW", "_srv", "x-y", "Fuzz", "xn--zca", "ß"};
    private static final String[] ASCII_LABELS = {"a", "b", "www", "fuzz", "test", "co", "uk", "com", "A", "WWW", "_srv", "x-y"};
    private static final List<HostnameScheme> SCHEMES = schemes();

    private static List<HostnameScheme> schemes() {
        List<HostnameScheme> out = new ArrayList<>();
        for (String n : HostnameScheme.knownNames()) {
            if (!n.equals("none")) {
                out.add(uncheckedNamed(n));
            }
        }
        return out;
    }

    private static HostnameScheme uncheckedNamed(String n) {
        try {
            return HostnameScheme.named(n);
        } catch (org.nettytls.error.TlsException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Jazzer: the first bytes pick a scheme and split the rest into a host name, a CN and SANs. */
    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length < 2) {
            return;
        }
        String[] parts = new String(data, 1, data.length - 1, StandardCharsets.UTF_8).split("\u0001", 4);
        HostnameScheme scheme = SCHEMES.get((data[0] & 0xff) % SCHEMES.size());
        List<String> sans = new ArrayList<>();
        for (int i = 2; i < parts.length; i++) {
            sans.add("DNS:" + wellFormed(parts[i]));
        }
        X509Certificate cert = TestCertificates.mint(parts.length > 1 ? wellFormed(parts[1]) : null, sans);
        checkInvariants(new Case(parts[0], cert, scheme));
    }

    static final class Case {
        final String host;
        final X509Certificate cert;
        final HostnameScheme scheme;
        final String names;

        Case(String host, X509Certificate cert, HostnameScheme scheme) {
            this.host = host;
            this.cert = cert;
            this.scheme = scheme;
            this.names = String.valueOf(CertificateNames.of(cert).subjectAltNames) + " CN=" + CertificateNames.of(cert).commonName;
        }

        @Override
        public String toString() {
            return "host " + Bytes.show(host) + ", scheme " + scheme + ", certificate " + Bytes.show(names);
        }
    }

    private static String label(Random r, String[] pool) {
        return pool[r.nextInt(pool.length)];
    }

    private static String name(Random r, String[] pool, int maxLabels) {
        StringBuilder sb = new StringBuilder(label(r, pool));
        for (int i = 1, n = 1 + r.nextInt(maxLabels); i < n; i++) {
            sb.append('.').append(label(r, pool));
        }
        return sb.toString();
    }

    /** Certificates carry UTF-8, which has no unpaired surrogates: those are dropped. */
    private static String certName(Random r) {
        return wellFormed(certNameWithJunk(r));
    }

    private static String wellFormed(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (!Character.isSurrogate(c)) {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String certNameWithJunk(Random r) {
        String n = name(r, LABELS, 4);
        int dot = n.indexOf('.');
        String rest = dot < 0 ? "" : n.substring(dot);
        switch (r.nextInt(8)) {
            case 0:
                return "*" + rest;
            case 1:
                return "w*" + rest;
            case 2:
                return "*z" + rest;
            case 3:
                return n + ".";
            case 4:
                return r.nextBoolean() ? Bytes.mutate(n, r) : " " + n + " ";
            default:
                return n;
        }
    }

    private static Case randomCase(Random r) {
        List<String> sans = new ArrayList<>();
        for (int i = 0, n = r.nextInt(4); i < n; i++) {
            sans.add(r.nextInt(5) == 0 ? "IP:" + (r.nextBoolean() ? "192.0.2." + r.nextInt(3) : "2001:db8::" + r.nextInt(3)) : "DNS:" + certName(r));
        }
        String cn = r.nextInt(4) == 0 ? null : r.nextInt(6) == 0 ? "192.0.2." + r.nextInt(3) : certName(r);
        String host;
        switch (r.nextInt(6)) {
            case 0:
                host = "192.0.2." + r.nextInt(3);
                break;
            case 1:
                host = "2001:DB8:0:0::" + r.nextInt(3);
                break;
            case 2:
                host = Bytes.mutate(name(r, LABELS, 4), r);
                break;
            default:
                host = name(r, LABELS, 4);
                break;
        }
        return new Case(host, TestCertificates.mint(cn, sans), SCHEMES.get(r.nextInt(SCHEMES.size())));
    }

    private static boolean verify(String host, Case c) {
        return HostnameVerification.verify(host, c.cert, c.scheme, PublicSuffix.builtIn());
    }

    /** Invariances and soundness that hold for every scheme, name and certificate. */
    static void checkInvariants(Case c) {
        HostnameVerification.Result result = HostnameVerification.check(c.host, c.cert, c.scheme, PublicSuffix.builtIn());
        assertNotNull(result.describe());
        boolean verdict = result.matched();
        if (verdict) {
            String by = result.matchedBy().orElseThrow(() -> new AssertionError("a match names no certificate name"));
            assertTrue(couldMatch(c.host, by), "accepted " + Bytes.show(c.host) + " by " + Bytes.show(by)
                    + ", which no scheme's rules can match with it");
        }
        assertEquals(verdict, verify(asciiUpper(c.host), c), "ASCII case changed the verdict");
        assertEquals(verdict, verify(asciiLower(c.host), c), "ASCII case changed the verdict");
        if (!c.host.endsWith("\n") && !c.host.isEmpty()) {
            assertEquals(verdict, verify(c.host + ".", c), "a trailing dot changed the verdict");
        }
        for (int at : new int[] {0, c.host.length() / 2, c.host.length()}) {
            String withNul = c.host.substring(0, at) + '\0' + c.host.substring(at);
            assertFalse(verify(withNul, c), "a name with a NUL matched");
        }
        String ascii = Idna.isAscii(c.host) ? null : Idna.toAscii(c.host);
        if (ascii != null) {
            assertEquals(verdict, verify(ascii, c), "the U-label and A-label forms (" + ascii + ") differ");
        }
    }

    /**
     * The most permissive reading of any scheme, independent of the matcher: an address equals an
     * iPAddress SAN (bytes) or is written as the CN; a name equals the certificate name or matches
     * it with the leftmost label's {@code *} standing for one or more label characters.
     */
    static boolean couldMatch(String host, String by) {
        String h = org.nettytls.internal.NameText.stripTrailingDots(host);
        int eq = by.indexOf(by.startsWith("CN=") ? '=' : ':');
        String value = by.substring(eq + 1);
        byte[][] address = new byte[1][];
        if (IpLiterals.classify(h, address) == IpLiterals.Kind.ADDRESS) {
            if (by.startsWith("IP:")) {
                return true; // compared by bytes; rendered text differs from the host's spelling
            }
            return by.startsWith("CN=") && value.equals(h);
        }
        String a = Idna.isAscii(h) ? h : Idna.toAscii(h);
        if (a == null || by.startsWith("IP:")) {
            return false;
        }
        String certName = org.nettytls.internal.NameText.stripTrailingDots(value.strip()).toLowerCase(Locale.ROOT);
        a = a.toLowerCase(Locale.ROOT);
        if (certName.equals(a)) {
            return true;
        }
        int star = certName.indexOf('*');
        int dot = certName.indexOf('.');
        if (star < 0 || (dot >= 0 && star > dot)) {
            return false;
        }
        String regex = Pattern.quote(certName.substring(0, star)) + "[a-z0-9_-]+" + Pattern.quote(certName.substring(star + 1));
        return Pattern.matches(regex, a);
    }

    private static String asciiUpper(String s) {
        StringBuilder b = new StringBuilder(s);
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (c >= 'a' && c <= 'z') {
                b.setCharAt(i, (char) (c - 32));
            }
        }
        return b.toString();
    }

    private static String asciiLower(String s) {
        return Idna.asciiLower(s);
    }

    @Test
    void everySchemeIsSoundAndIgnoresCaseTrailingDotsAndLabelForm() {
        Property.forAll("hostname invariants", HostnameVerificationFuzzTest::randomCase).tries(700)
                .check(HostnameVerificationFuzzTest::checkInvariants);
    }

    /**
     * Oracle for {@code full_label} wildcards (scheme smtp), ASCII names, one dNSName and no CN, public
     * suffixes off: an exact match ignoring ASCII case and trailing dots, or {@code *.rest} with one
     * more non-empty leftmost label.
     */
    @Test
    void fullLabelWildcardsAgreeWithTheOracle() {
        HostnameScheme smtp = uncheckedNamed("smtp");
        Property.forAll("full_label oracle", (Random r) -> {
            String san = name(r, ASCII_LABELS, 3);
            if (r.nextBoolean()) {
                san = "*." + san;
            }
            String host = name(r, ASCII_LABELS, 4) + (r.nextInt(4) == 0 ? "." : "");
            return new String[] {host, san};
        }).tries(300).show(a -> Bytes.show(a[0]) + " vs DNS:" + Bytes.show(a[1])).check(a -> {
            String host = a[0];
            String san = a[1];
            X509Certificate cert = TestCertificates.mint(null, List.of("DNS:" + san));
            String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
            boolean expected;
            if (san.startsWith("*.")) {
                int dot = h.indexOf('.');
                expected = dot > 0 && h.substring(dot + 1).equalsIgnoreCase(san.substring(2));
            } else {
                expected = h.equalsIgnoreCase(san);
            }
            assertEquals(expected, HostnameVerification.verify(host, cert, smtp, PublicSuffix.none()));
        });
    }

    /** Oracle for addresses: a literal matches an iPAddress SAN exactly when their bytes are equal, however it is written. */
    @Test
    void addressesMatchExactlyWhenTheirBytesAreEqual() {
        Property.forAll("IP oracle", (Random r) -> {
            boolean v6 = r.nextBoolean();
            byte[] cert = new byte[v6 ? 16 : 4];
            byte[] host = new byte[v6 ? 16 : 4];
            for (int i = 0; i < cert.length; i++) {
                cert[i] = (byte) (r.nextInt(3) == 0 ? r.nextInt(256) : r.nextInt(2));
                host[i] = r.nextInt(4) == 0 ? (byte) r.nextInt(2) : cert[i];
            }
            return new byte[][] {host, cert, {(byte) r.nextInt()}};
        }).tries(100).show(a -> HexFormat.of().formatHex(a[0]) + " vs " + HexFormat.of().formatHex(a[1])).check(a -> {
            String text = IpText.write(a[0], new Random(a[2][0]));
            byte[][] parsed = new byte[1][];
            assertEquals(IpLiterals.Kind.ADDRESS, IpLiterals.classify(text, parsed), text);
            assertArrayEquals(a[0], parsed[0], text);
            X509Certificate cert = TestCertificates.mint(null, List.of("IP:#" + HexFormat.of().formatHex(a[1])));
            boolean expected = java.util.Arrays.equals(a[0], a[1]);
            for (HostnameScheme scheme : SCHEMES) {
                assertEquals(expected, HostnameVerification.verify(text, cert, scheme, PublicSuffix.builtIn()),
                        text + " under " + scheme);
            }
        });
    }

    /** The identity parser never throws, whatever the string. */
    @Test
    void idnaAndIpLiteralsTakeAnyString() {
        Property.forAll("identity parser", (Random r) -> r.nextBoolean() ? Bytes.mutate(name(r, LABELS, 3), r)
                : "xn--" + Bytes.mutate(name(r, new String[] {"bcher-kva", "zca", "sg45806p", "99999999", "zzzzzz9", "a-"}, 1), r))
                .tries(1500).show(Bytes::show).check(s -> {
                    IpLiterals.classify(s, new byte[1][]);
                    Idna.toAscii(s);
                    Idna.toUnicode(s);
                });
    }

    /** Labels of Unicode letters convert to A-labels and back to their lower-case selves. */
    @Test
    void unicodeLabelsReadBackFromTheirALabels() {
        int[][] ranges = {{0xe0, 0xff}, {0x3b1, 0x3c9}, {0x430, 0x44f}, {0x4e00, 0x4e80}, {0x1f600, 0x1f64f}, {'a', 'z'}, {'0', '9'}};
        Property.forAll("A-label round trip", (Random r) -> {
            StringBuilder sb = new StringBuilder();
            for (int l = 0, labels = 1 + r.nextInt(3); l < labels; l++) {
                sb.append(l > 0 ? "." : "");
                for (int i = 0, n = 1 + r.nextInt(12); i < n; i++) {
                    int[] range = ranges[r.nextInt(ranges.length)];
                    sb.appendCodePoint(range[0] + r.nextInt(range[1] - range[0] + 1));
                }
            }
            return sb.toString();
        }).tries(1000).show(Bytes::show).check(s -> {
            String ascii = Idna.toAscii(s);
            assertNotNull(ascii, "no A-labels for " + Bytes.show(s));
            assertTrue(Idna.isAscii(ascii));
            assertEquals(Idna.unicodeLower(s), Idna.toUnicode(ascii), "A-labels " + ascii);
        });
    }

    /** Found by the identity-parser property: Punycode whose delta overflows an int made toUnicode throw. */
    @Test
    void punycodeWhoseDeltaOverflowsIsRefusedNotThrown() {
        assertEquals(null, Idna.toUnicode("xn--sg45806p"));
        assertEquals(null, Idna.toUnicode("www.xn--sg45806p"));
    }

    /** Writes an address the many ways a user may: IPv4 with leading zeros, IPv6 compressed or not, any case, dotted tail. */
    static final class IpText {
        static String write(byte[] ip, Random r) {
            if (ip.length == 4) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < 4; i++) {
                    sb.append(i > 0 ? "." : "").append(r.nextInt(5) == 0 ? "0" : "").append(ip[i] & 0xff);
                }
                return sb.toString();
            }
            int[] groups = new int[8];
            for (int i = 0; i < 8; i++) {
                groups[i] = ((ip[2 * i] & 0xff) << 8) | (ip[2 * i + 1] & 0xff);
            }
            boolean dottedTail = r.nextInt(4) == 0;
            int n = dottedTail ? 6 : 8;
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String g = Integer.toHexString(groups[i]);
                parts.add(r.nextBoolean() ? g.toUpperCase(Locale.ROOT) : g);
            }
            String text;
            int zeroRun = -1;
            for (int i = 0; i < n; i++) {
                if (groups[i] == 0 && r.nextBoolean()) {
                    zeroRun = i;
                    break;
                }
            }
            if (zeroRun >= 0) {
                int end = zeroRun;
                while (end < n && groups[end] == 0) {
                    end++;
                }
                text = String.join(":", parts.subList(0, zeroRun)) + "::" + String.join(":", parts.subList(end, n));
            } else {
                text = String.join(":", parts);
            }
            if (dottedTail) {
                String tail = (ip[12] & 0xff) + "." + (ip[13] & 0xff) + "." + (ip[14] & 0xff) + "." + (ip[15] & 0xff);
                text = text.endsWith("::") ? text + tail : text + ":" + tail;
            }
            return text;
        }
    }
}
