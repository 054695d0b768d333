package org.nettytls.verify;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.Optional;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.SubjectAltName;
import org.nettytls.internal.Idna;
import org.nettytls.internal.NameText;
import org.nettytls.internal.IpLiterals;

/**
 * Checks that a certificate carries an expected host name or IP address under a
 * {@link HostnameScheme}: IO::Socket::SSL's {@code verify_hostname_of_cert}, with its rules (those
 * of its 2.081 code, which differ from its manual in places) in plain sight here.
 *
 * <ol>
 * <li>Trailing dots of the name and of certificate names are ignored.</li>
 * <li>A name containing {@code :} is an IPv6 address (or invalid); a name of digits and dots
 *     starting with a digit is an IPv4 address of exactly four decimal octets under 256 (or
 *     invalid). Addresses are compared only with iPAddress subjectAltNames, byte for byte, so a
 *     4-byte and a 16-byte address never match; where the scheme allows
 *     ({@link HostnameScheme.IpInCn}), also with the common name as a string, exactly as written.</li>
 * <li>Any other name is converted to IDNA A-labels (<a href="https://www.rfc-editor.org/rfc/rfc3490">RFC 3490</a>);
 *     a NUL, a failed conversion or characters other than letters, digits, {@code _}, {@code -}
 *     and {@code .} left over fail. It is compared with the dNSName subjectAltNames (surrounding
 *     white space removed) and, per {@link HostnameScheme.CheckCn}, the first common name, case
 *     insensitively.</li>
 * <li>Wildcards ({@link HostnameScheme.Wildcards}): one {@code *}, in the leftmost label only,
 *     standing for at least one character within that label; never a bare {@code *}, never
 *     {@code www.*.org}. A prefix before the {@code *} never matches an IDNA name
 *     ({@code xn--...}).</li>
 * <li>After a wildcard matched, the name must have more labels than its public suffix plus one
 *     ({@link PublicSuffix}), so {@code *.co.uk} matches nothing and {@code *.example.co.uk}
 *     only {@code x.example.co.uk}.</li>
 * </ol>
 *
 * <p>Deliberate differences from the reference: only ASCII digits count as digits (Perl would
 * read other Unicode digits as an IPv4 address), and the {@code xn--} test ignores case (the
 * reference's is case-sensitive, so {@code XN--...} slipped past it). Where the reference dies
 * (an empty or over-long label in an IDN name) the answer here is "no match". <b>A certificate
 * name (dNSName or common name) that, after the reference's trimming (surrounding white space of
 * a dNSName, trailing dots), still holds a control character or anything outside printable
 * ASCII never matches.</b> The reference's wildcard pattern stops at a newline, so it lets the
 * dNSName {@code *.bank.com\n.attacker.example} match {@code www.bank.com} under schemes
 * {@code default} and {@code http}; such a name is refused here.
 *
 * <p>Certificate names in messages ({@link Result#describe()}, {@link Result#certificateNames()},
 * {@link Result#compared()}) have control and other non-printable characters escaped
 * ({@code \x0a}, {@code \x{202e}}), so a certificate cannot forge lines in a log.
 *
 * <p>All methods are pure functions of their arguments and safe to call from any thread.
 */
public final class HostnameVerification {
    /** Compiled once: String.split with this pattern compiled it again for every verification. */
    private static final Pattern DOTS = Pattern.compile("\\.+");

    private HostnameVerification() {
    }

    /**
     * {@code true} when {@code cert} is valid for {@code name} under {@code scheme}
     * ({@code SSL_verifycn_scheme}) with the public suffix list {@code suffixes}
     * ({@code SSL_verifycn_publicsuffix}).
     *
     * @param name the expected name
     * @param cert the peer's certificate
     * @param scheme the scheme
     * @param suffixes the public suffix list
     * @return whether the certificate is valid for the name
     */
    public static boolean verify(String name, X509Certificate cert, HostnameScheme scheme, PublicSuffix suffixes) {
        return check(name, cert, scheme, suffixes).matched();
    }

    /**
     * As {@link #verify}, with the built-in public suffix list.
     *
     * @param name the expected name
     * @param cert the peer's certificate
     * @param scheme the scheme
     * @return whether the certificate is valid for the name
     */
    public static boolean verify(String name, X509Certificate cert, HostnameScheme scheme) {
        return verify(name, cert, scheme, PublicSuffix.builtIn());
    }

    /**
     * The verdict with its explanation: what was expected, which certificate names were compared
     * and which one matched, or why none did. {@link Result#toException()} turns a mismatch into a
     * {@code HOSTNAME_MISMATCH} {@link TlsException}.
     *
     * @param name the expected name
     * @param cert the peer's certificate
     * @param scheme the scheme
     * @param suffixes the public suffix list
     * @return the verdict with its explanation
     */
    public static Result check(String name, X509Certificate cert, HostnameScheme scheme, PublicSuffix suffixes) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(suffixes, "suffixes");
        CertificateNames names = CertificateNames.of(cert);
        Check c = new Check(name, scheme, suffixes, names);
        return c.run();
    }

    /** The outcome of {@link #check}; immutable. */
    public static final class Result {
        private final boolean matched;
        private final String name;
        private final HostnameScheme scheme;
        private final String commonName;
        private final List<SubjectAltName> subjectAltNames;
        private final List<String> compared;
        private final String matchedBy;
        private final String reason;

        Result(boolean matched, String name, HostnameScheme scheme, CertificateNames names,
                List<String> compared, String matchedBy, String reason) {
            this.matched = matched;
            this.name = name;
            this.scheme = scheme;
            this.commonName = names.commonName;
            this.subjectAltNames = names.subjectAltNames;
            List<String> shown = new ArrayList<>();
            for (String c : compared) {
                shown.add(NameText.printable(c));
            }
            this.compared = Collections.unmodifiableList(shown);
            this.matchedBy = matchedBy == null ? null : NameText.printable(matchedBy);
            this.reason = reason;
        }

        /**
         * Whether the certificate names the expected name under the scheme.
         *
         * @return {@code true} when a name matched
         */
        public boolean matched() {
            return matched;
        }

        /** {@return the expected name, as given} */
        public String name() {
            return name;
        }

        /**
         * The scheme the names were compared under.
         *
         * @return the scheme
         */
        public HostnameScheme scheme() {
            return scheme;
        }

        /** {@return the subject's first common name, decoded} */
        public Optional<String> commonName() {
            return Optional.ofNullable(commonName);
        }

        /** {@return every subjectAltName of the certificate, in order} */
        public List<SubjectAltName> subjectAltNames() {
            return subjectAltNames;
        }

        /**
         * {@return the certificate names the scheme compared with the expected name, in order, written {@code DNS:x},
         * {@code IP:x} or {@code CN=x}, non-printable characters escaped}
         */
        public List<String> compared() {
            return compared;
        }

        /** {@return the certificate name that matched, written as in {@link #compared()}} */
        public Optional<String> matchedBy() {
            return Optional.ofNullable(matchedBy);
        }

        /** {@return why the verdict is what it is, in a few words} */
        public String reason() {
            return reason;
        }

        /**
         * {@return the certificate's names for people: {@code DNS:a, IP:192.0.2.1, CN=c}, non-printable characters
         * escaped}
         */
        public String certificateNames() {
            List<String> all = new ArrayList<>();
            for (SubjectAltName san : subjectAltNames) {
                all.add(NameText.printable(san.toString()));
            }
            if (commonName != null) {
                all.add("CN=" + NameText.printable(commonName));
            }
            return all.isEmpty() ? "no names" : String.join(", ", all);
        }

        /**
         * {@return one line for logs and errors, such as {@code expected 'www.example.org' under scheme http,
         * certificate has DNS:example.com, CN=example.com: no name matched}}
         */
        public String describe() {
            return (matched ? "matched " : "expected ") + "'" + NameText.printable(name) + "' under scheme " + scheme.name()
                    + ", certificate has " + certificateNames() + ": " + reason;
        }

        /** {@return a {@code HOSTNAME_MISMATCH} exception with {@link #describe()} as its message} */
        public TlsException toException() {
            return new TlsException(TlsErrorCode.HOSTNAME_MISMATCH, describe());
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** Printable ASCII only: nothing a certificate name could hide behind (a newline, a NUL, a look-alike). */
    private static boolean isPrintableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /** One verification; all state is local to it. */
    private static final class Check {
        private final String name;
        private final HostnameScheme scheme;
        private final PublicSuffix suffixes;
        private final CertificateNames names;
        private final List<String> compared = new ArrayList<>();
        private String suffixRefusal;
        private String unprintableRefusal;

        Check(String name, HostnameScheme scheme, PublicSuffix suffixes, CertificateNames names) {
            this.name = name;
            this.scheme = scheme;
            this.suffixes = suffixes;
            this.names = names;
        }

        Result run() {
            if (scheme.isNone()) {
                return done(true, null, "scheme none checks nothing");
            }
            String identity = NameText.stripTrailingDots(name);
            if (scheme.callback() != null) {
                boolean ok = scheme.callback().verify(identity, names.commonName, names.subjectAltNames);
                return done(ok, null, ok ? "accepted by the scheme's callback" : "refused by the scheme's callback");
            }
            byte[][] address = new byte[1][];
            IpLiterals.Kind kind = IpLiterals.classify(identity, address);
            if (kind == IpLiterals.Kind.INVALID) {
                return done(false, null, "not a valid IP address");
            }
            byte[] ip = address[0];
            String host = null;
            if (kind == IpLiterals.Kind.HOSTNAME) {
                host = identity;
                if (hasJunk(host)) {
                    if (host.indexOf('\0') >= 0) {
                        return done(false, null, "the name contains a NUL character");
                    }
                    host = Idna.toAscii(host);
                    if (host == null) {
                        return done(false, null, "the name cannot be converted to IDNA A-labels");
                    }
                    if (hasJunk(host)) {
                        return done(false, null, "the name has characters not allowed in a host name");
                    }
                }
                host = Idna.asciiLower(host);
            }

            int dnsNames = 0;
            for (SubjectAltName san : names.subjectAltNames) {
                if (ip != null && san.type() == SubjectAltName.Type.IP) {
                    compared.add(san.toString());
                    if (Arrays.equals(ip, san.rawValue())) {
                        return done(true, san.toString(), "the address matched");
                    }
                } else if (ip == null && san.type() == SubjectAltName.Type.DNS) {
                    String dns = trimPerlSpace(san.value());
                    dnsNames++;
                    compared.add(san.toString());
                    if (checkName(dns, host, scheme.wildcardsInAlt())) {
                        return done(true, san.toString(), "the name matched");
                    }
                }
            }

            HostnameScheme.CheckCn checkCn = scheme.checkCn();
            if (checkCn == HostnameScheme.CheckCn.ALWAYS || checkCn == HostnameScheme.CheckCn.WHEN_ONLY && dnsNames == 0) {
                String cn = names.commonNameBytes;
                String cnLabel = "CN=" + (names.commonName == null ? "" : names.commonName);
                if (ip == null) {
                    if (cn != null) {
                        compared.add(cnLabel);
                    }
                    if (checkName(cn, host, scheme.wildcardsInCn())) {
                        return done(true, cnLabel, "the common name matched");
                    }
                } else if (scheme.ipInCn() != HostnameScheme.IpInCn.OFF && cn != null) {
                    compared.add(cnLabel);
                    boolean family = scheme.ipInCn() == HostnameScheme.IpInCn.IPV4 ? ip.length == 4
                            : scheme.ipInCn() != HostnameScheme.IpInCn.IPV6 || ip.length == 16;
                    if (identity.equals(cn) && family) {
                        return done(true, cnLabel, "the address matched the common name");
                    }
                }
            }
            if (suffixRefusal != null) {
                return done(false, null, suffixRefusal);
            }
            if (unprintableRefusal != null) {
                return done(false, null, unprintableRefusal);
            }
            return done(false, null, compared.isEmpty() ? "the scheme compares none of the certificate's names"
                    : "no name matched");
        }

        private Result done(boolean ok, String by, String reason) {
            return new Result(ok, name, scheme, names, compared, by, reason);
        }

        /** Compares one certificate name with the host (A-labels, lower case) under a wildcard rule. */
        private boolean checkName(String certName, String host, HostnameScheme.Wildcards wildcards) {
            if (certName == null) {
                return false;
            }
            String n = NameText.stripTrailingDots(certName);
            if (n.isEmpty()) {
                return false;
            }
            if (!isPrintableAscii(n)) {
                // Safer than the reference, whose wildcard pattern stops at a newline and so lets
                // "*.bank.com\n.attacker.example" match www.bank.com: such a name never matches.
                if (unprintableRefusal == null) {
                    unprintableRefusal = "no name matched ('" + NameText.printable(n)
                            + "' holds control or non-ASCII characters and never matches)";
                }
                return false;
            }
            String prefix;
            String rest;
            if (wildcards == HostnameScheme.Wildcards.ANYWHERE && (rest = anywhereRest(n)) != null) {
                prefix = n.substring(0, n.indexOf('*'));
                if (!prefix.isEmpty() && host.startsWith("xn--")) {
                    return false;
                }
            } else if (wildcards == HostnameScheme.Wildcards.FULL_LABEL && (rest = fullLabelRest(n)) != null) {
                prefix = "";
            } else {
                return Idna.asciiLower(n).equals(host);
            }
            if (!wildcardMatches(host, prefix, rest)) {
                return false;
            }
            if (suffixes.isNone()) {
                return true;
            }
            List<String> labels = splitLabels(host);
            int suffix = labels.isEmpty() ? 1 : suffixes.suffixLength(labels, 1);
            if (labels.size() > suffix) {
                return true;
            }
            if (suffixRefusal == null) {
                int own = suffixes.suffixLength(labels, 0);
                String publicSuffix = String.join(".", labels.subList(labels.size() - own, labels.size()));
                suffixRefusal = "the wildcard in " + NameText.printable(n) + " matched, but " + host
                        + " has no more labels than its public suffix (" + publicSuffix + ") plus one";
            }
            return false;
        }
    }

    /**
     * For {@code ^([a-zA-Z0-9_-]*)\*(.+)}: the text after the {@code *} up to the first newline
     * (Perl's {@code .} stops there), or {@code null} when the name is no such wildcard.
     */
    private static String anywhereRest(String n) {
        int star = n.indexOf('*');
        if (star < 0) {
            return null;
        }
        for (int i = 0; i < star; i++) {
            if (!isLabelChar(n.charAt(i))) {
                return null;
            }
        }
        int end = n.indexOf('\n', star + 1);
        String rest = n.substring(star + 1, end < 0 ? n.length() : end);
        return rest.isEmpty() ? null : rest;
    }

    /** For {@code ^\*(\..+)$}: the text after the {@code *}, or {@code null}. */
    private static String fullLabelRest(String n) {
        if (!n.startsWith("*.")) {
            return null;
        }
        String rest = n.substring(1);
        if (rest.endsWith("\n")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        return rest.length() >= 2 && rest.indexOf('\n') < 0 ? rest : null;
    }

    /** {@code host} is prefix, then at least one label character, then rest; ASCII case ignored. */
    private static boolean wildcardMatches(String host, String prefix, String rest) {
        int middle = host.length() - prefix.length() - rest.length();
        if (middle < 1) {
            return false;
        }
        if (!host.regionMatches(true, 0, prefix, 0, prefix.length())
                || !Idna.asciiLower(host.substring(host.length() - rest.length())).equals(Idna.asciiLower(rest))) {
            return false;
        }
        for (int i = prefix.length(); i < prefix.length() + middle; i++) {
            if (!isLabelChar(host.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLabelChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    private static boolean hasJunk(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isLabelChar(c) && c != '.') {
                return true;
            }
        }
        return false;
    }

    private static String trimPerlSpace(String s) {
        int start = 0;
        int end = s.length();
        while (end > start && PublicSuffix.isPerlSpace(s.charAt(end - 1))) {
            end--;
        }
        while (start < end && PublicSuffix.isPerlSpace(s.charAt(start))) {
            start++;
        }
        return s.substring(start, end);
    }

    /** Perl's {@code split(m{\.+}, $name)}: leading empty field kept, trailing ones dropped. */
    private static List<String> splitLabels(String host) {
        List<String> labels = new ArrayList<>(Arrays.asList(DOTS.split(host)));
        while (!labels.isEmpty() && labels.get(labels.size() - 1).isEmpty()) {
            labels.remove(labels.size() - 1);
        }
        return labels;
    }
}
