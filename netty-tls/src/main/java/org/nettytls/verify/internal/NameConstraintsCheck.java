package org.nettytls.verify.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.text.Normalizer;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.ASN1UniversalString;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.nettytls.internal.NameText;
import org.nettytls.internal.Idna;
import org.nettytls.internal.IpLiterals;
import org.nettytls.verify.HostnameVerification;

/**
 * Name constraints (<a href="https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.10">RFC 5280
 * 4.2.1.10</a>) of every CA in a path, the trust anchor's included, applied to every certificate
 * below it (self-issued intermediates excepted, RFC 5280 6.1.3 (b)) and to the name the
 * connection matched, with a budget of comparisons.
 *
 * <p>What is compared, as OpenSSL 3.0 does: dNSName, iPAddress, rfc822Name, URI and directoryName
 * subjectAltNames; the subject against directoryName constraints and its emailAddress attributes
 * against rfc822Name constraints; and a common name that reads as a host name, as a dNSName,
 * where a certificate has no dNSName. In the peer's certificate also, as the JDK does, a common
 * name that is an IP address, as an iPAddress where there is none, and a one-label host name, as
 * a dNSName where there is none (OpenSSL binds neither; the JDK's reading already holds below a
 * constrained intermediate, and a trust anchor's constraints reach only this class). DNS
 * constraints match the name and every name with more labels on the left ({@code example.com}
 * covers {@code www.example.com}); one with a leading dot only the latter. Case is ignored where
 * the RFC says so; directory names compare after RFC 4518 preparation (RFC 5280 7.1), and where
 * the local part of a mailbox differs only in case it counts as the excluded mailbox but not as
 * the permitted one (RFC 5280 4.2.1.10 leaves its case to the host). A name of a type this class cannot
 * evaluate (otherName, x400Address, ediPartyName, registeredID) under a CA that constrains that
 * type is refused.
 *
 * <p>Two rules go beyond the per-certificate check:
 * <ul>
 * <li>A wildcard dNSName is refused where the wildcard could stand for a name in an excluded
 *     subtree: {@code *.example.com} under an excluded {@code bar.example.com}, which the
 *     wildcard matches (Go's fix for CVE-2025-61727 does the same).</li>
 * <li>The name the connection accepted ({@link Identity}), whether a wildcard, the common name or
 *     an IP address in the common name matched it, must itself lie within every CA's
 *     constraints: a CA constrained to {@code example.com} does not vouch for {@code CN=localhost}
 *     because the scheme compares the common name.</li>
 * </ul>
 *
 * <p>Work is bounded like Go's and pyca/cryptography's verifiers: every name compared with every
 * constraint of its type counts one comparison, and a chain whose comparisons (over every path
 * tried) would exceed {@value #MAX_COMPARISONS}, or whose CAs hold more than
 * {@value #MAX_SUBTREES} subtrees in all, is refused unread with {@code chain-too-complex}. The
 * count is taken before comparing, so a hostile chain costs the parsing of its names and nothing
 * more. The JDK's PKIX validator, asked for a second opinion on accepted paths, merges the
 * constraints of consecutive CAs at a cost cubic in their subtrees; {@link PkixWork} bounds that.
 */
public final class NameConstraintsCheck {
    /** Name-by-constraint comparisons one chain may cost, over every path tried. */
    public static final int MAX_COMPARISONS = 1 << 16;
    /** Subtrees (permitted and excluded) the CAs of one path may hold in all. */
    public static final int MAX_SUBTREES = 256;

    private static final String EMAIL_ADDRESS = "1.2.840.113549.1.9.1";
    /** A common name that reads as a host name, which constraints then bind as a DNS name (OpenSSL's rule). */
    private static final Pattern HOST_LIKE_CN =
            Pattern.compile("[A-Za-z0-9*]([A-Za-z0-9*-]*[A-Za-z0-9])?(\\.[A-Za-z0-9-]+)+\\.?");
    /** A common name of one label that the JDK's {@code DNSName} accepts, bound as a dNSName in the peer's certificate. */
    private static final Pattern ONE_LABEL_CN = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?");

    private NameConstraintsCheck() {
    }

    /**
     * The comparisons spent on one chain, shared by every path tried for it, and what was parsed
     * for it: a certificate met on several paths is read once.
     */
    public static final class Budget {
        private long spent;
        private final Map<X509Certificate, Constraints> constraints = new IdentityHashMap<>();
        private final Map<X509Certificate, Names> names = new IdentityHashMap<>();

        /** Spends {@code n}; {@code false} (and nothing spent) when that would pass the limit. */
        boolean spend(long n) {
            if (spent + n > MAX_COMPARISONS) {
                return false;
            }
            spent += n;
            return true;
        }

        long spent() {
            return spent;
        }
    }

    /** The name a connection matched: a host name (A-labels, lower case, no trailing dot) or an IP address. */
    public static final class Identity {
        final String host;
        final byte[] ip;
        final String shown;

        private Identity(String host, byte[] ip, String shown) {
            this.host = host;
            this.ip = ip;
            this.shown = shown;
        }

        /** {@code name} as the hostname check read it, or {@code null} when it is neither host name nor address. */
        static Identity of(String name) {
            if (name == null) {
                return null;
            }
            String stripped = NameText.stripTrailingDots(name);
            byte[][] address = new byte[1][];
            IpLiterals.Kind kind = IpLiterals.classify(stripped, address);
            if (kind == IpLiterals.Kind.INVALID) {
                return null;
            }
            if (address[0] != null) {
                return new Identity(null, address[0], stripped);
            }
            String ascii = Idna.isAscii(stripped) ? stripped : Idna.toAscii(stripped);
            if (ascii == null || ascii.isEmpty()) {
                return null;
            }
            return new Identity(Idna.asciiLower(ascii), null, stripped);
        }
    }

    /** What a check found: nothing, a violation at a depth, or too much work. */
    public static final class Finding {
        final ChainFailure.Reason reason;
        final int depth;
        final String message;

        Finding(ChainFailure.Reason reason, int depth, String message) {
            this.reason = reason;
            this.depth = depth;
            this.message = message;
        }

        ChainFailure toFailure() {
            return new ChainFailure(reason, depth, message);
        }
    }

    /**
     * Checks {@code path} (peer's certificate first, trust anchor last) and, when given, the
     * matched {@code identity}; adds what it finds to {@code out}. Stops at the first
     * {@code chain-too-complex} finding.
     */
    public static void check(List<X509Certificate> path, Identity identity, Budget budget, List<Finding> out) {
        Constraints[] constraints = new Constraints[path.size()];
        int subtrees = 0;
        for (int j = path.size() - 1; j >= 1; j--) {
            X509Certificate ca = path.get(j);
            byte[] ext = ChainValidator.extension(ca, Extension.nameConstraints.getId());
            if (ext == null) {
                continue;
            }
            // Counted in the DER before anything is built from it: a hostile extension costs a walk over its bytes.
            int counted = countSubtrees(ext);
            if (counted > 0 && subtrees + counted > MAX_SUBTREES) {
                out.add(new Finding(ChainFailure.Reason.TOO_COMPLEX, j, "the CAs of the chain up to "
                        + ChainValidator.describe(ca) + " (depth " + j + ") hold " + (subtrees + counted)
                        + " name-constraint subtrees; more than " + MAX_SUBTREES + " are refused unread (bounded work)"));
                return;
            }
            try {
                Constraints known = budget.constraints.get(ca);
                constraints[j] = known != null ? known : Constraints.of(ext);
                budget.constraints.put(ca, constraints[j]);
            } catch (RuntimeException malformed) {
                out.add(new Finding(ChainFailure.Reason.NAME_CONSTRAINT, j, ChainValidator.who(j)
                        + ChainValidator.describe(ca) + " has nameConstraints that cannot be read (RFC 5280 4.2.1.10): "
                        + malformed.getMessage()));
                continue;
            }
            if (constraints[j] != null) {
                subtrees += constraints[j].size();
                if (subtrees > MAX_SUBTREES) {
                    out.add(new Finding(ChainFailure.Reason.TOO_COMPLEX, j, "the CAs of the chain up to "
                            + ChainValidator.describe(ca) + " (depth " + j + ") hold " + subtrees
                            + " name-constraint subtrees; more than " + MAX_SUBTREES + " are refused unread (bounded work)"));
                    return;
                }
            }
        }
        Names[] names = new Names[path.size()];
        for (int i = path.size() - 2; i >= 0; i--) {
            X509Certificate cert = path.get(i);
            if (i > 0 && cert.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                continue;
            }
            for (int j = path.size() - 1; j > i; j--) {
                Constraints c = constraints[j];
                if (c == null) {
                    continue;
                }
                if (names[i] == null) {
                    try {
                        names[i] = budget.names.computeIfAbsent(cert, Names::of);
                    } catch (RuntimeException malformed) {
                        out.add(new Finding(ChainFailure.Reason.NAME_CONSTRAINT, i, ChainValidator.who(i)
                                + ChainValidator.describe(cert) + " has names that cannot be read: " + malformed.getMessage()));
                        break;
                    }
                }
                if (!budget.spend((long) names[i].size() * c.size())) {
                    out.add(tooComplex(i, cert, names[i].size(), j, path.get(j), c.size(), budget));
                    return;
                }
                String violation = c.violation(names[i], i == 0);
                if (violation != null) {
                    out.add(new Finding(ChainFailure.Reason.NAME_CONSTRAINT, i, ChainValidator.who(i)
                            + ChainValidator.describe(cert) + " violates the name constraints of "
                            + ChainValidator.describe(path.get(j)) + " (depth " + j + "; RFC 5280 4.2.1.10): " + violation));
                    break;
                }
            }
        }
        if (identity == null) {
            return;
        }
        for (int j = path.size() - 1; j >= 1; j--) {
            Constraints c = constraints[j];
            if (c == null) {
                continue;
            }
            if (!budget.spend(c.size())) {
                out.add(tooComplex(0, path.get(0), 1, j, path.get(j), c.size(), budget));
                return;
            }
            String violation = c.identityViolation(identity);
            if (violation != null) {
                out.add(new Finding(ChainFailure.Reason.NAME_CONSTRAINT, 0, "'" + NameText.printable(identity.shown)
                        + "', the name " + ChainValidator.describe(path.get(0)) + " was accepted for, is outside the name "
                        + "constraints of " + ChainValidator.describe(path.get(j)) + " (depth " + j
                        + "; RFC 5280 4.2.1.10 applied to the name that matched): " + violation));
                return;
            }
        }
    }

    /**
     * The number of GeneralSubtrees in a nameConstraints extension value, read from the DER without
     * building anything; -1 when it is not the expected shape (the full parse then says what is wrong).
     */
    public static int countSubtrees(byte[] extensionValue) {
        try {
            byte[] b = ASN1OctetString.getInstance(extensionValue).getOctets();
            int[] at = {0};
            if ((b[at[0]++] & 0xff) != 0x30) {
                return -1;
            }
            int end = length(b, at);
            end += at[0];
            int count = 0;
            while (at[0] < end) {
                at[0]++; // [0] permittedSubtrees or [1] excludedSubtrees
                int listEnd = length(b, at);
                listEnd += at[0];
                while (at[0] < listEnd) {
                    at[0]++; // GeneralSubtree ::= SEQUENCE
                    int len = length(b, at);
                    at[0] += len;
                    count++;
                }
                if (at[0] != listEnd) {
                    return -1;
                }
            }
            return at[0] == end ? count : -1;
        } catch (RuntimeException malformed) {
            return -1;
        }
    }

    /** A DER length at {@code at[0]}, which is moved past it. */
    private static int length(byte[] b, int[] at) {
        int first = b[at[0]++] & 0xff;
        if (first < 0x80) {
            return first;
        }
        int bytes = first & 0x7f;
        if (bytes == 0 || bytes > 3) {
            throw new IllegalArgumentException("length of " + bytes + " bytes");
        }
        int len = 0;
        for (int i = 0; i < bytes; i++) {
            len = len << 8 | b[at[0]++] & 0xff;
        }
        if (len < 0 || at[0] + len > b.length) {
            throw new IllegalArgumentException("length past the end");
        }
        return len;
    }

    private static Finding tooComplex(int i, X509Certificate cert, int names, int j, X509Certificate ca, int subtrees,
            Budget budget) {
        return new Finding(ChainFailure.Reason.TOO_COMPLEX, i, "checking the " + names + " name(s) of "
                + ChainValidator.describe(cert) + " (depth " + i + ") against the " + subtrees + " name-constraint subtree(s) of "
                + ChainValidator.describe(ca) + " (depth " + j + ") would take the chain past " + MAX_COMPARISONS
                + " comparisons (" + budget.spent() + " spent); it is refused unchecked (bounded work)");
    }

    /** The names of one certificate that name constraints bind. */
    public static final class Names {
        final List<String> dns = new ArrayList<>();
        final List<byte[]> ips = new ArrayList<>();
        final List<String> emails = new ArrayList<>();
        final List<String> uris = new ArrayList<>();
        final List<Dn> directories = new ArrayList<>();
        final List<String> unsupported = new ArrayList<>();
        final boolean[] unsupportedTypes = new boolean[9];
        /** Bound only where the certificate is the peer's: addresses in the CN (no iPAddress SAN), one-label CNs (no dNSName). */
        final List<byte[]> cnIps = new ArrayList<>();
        final List<String> cnHosts = new ArrayList<>();

        int size() {
            return Math.max(1, dns.size() + ips.size() + emails.size() + uris.size() + directories.size()
                    + unsupported.size() + cnIps.size() + cnHosts.size());
        }

        /**
         * A dNSName as written and, when it differs, as the hostname check reads it (white space
         * around it and trailing dots removed): both must satisfy the constraints, so neither a
         * trailing dot leaves an excluded subtree nor does reading one widen a permitted one.
         */
        void addDns(String name) {
            dns.add(name);
            String compared = org.nettytls.internal.NameText.comparedForm(name);
            if (!compared.isEmpty() && !compared.equals(name)) {
                dns.add(compared);
            }
        }

        /** An email address as written and, when it differs, without trailing dots after its domain. */
        void addEmail(String address) {
            emails.add(address);
            String stripped = org.nettytls.internal.NameText.stripTrailingDots(address.strip());
            if (!stripped.isEmpty() && !stripped.equals(address)) {
                emails.add(stripped);
            }
        }

        static Names of(X509Certificate cert) {
            Names n = new Names();
            X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
            if (subject.getRDNs().length > 0) {
                n.directories.add(new Dn(subject));
            }
            for (RDN rdn : subject.getRDNs()) {
                for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                    if (atv.getType().getId().equals(EMAIL_ADDRESS)) {
                        n.addEmail(text(atv.getValue()));
                    }
                }
            }
            byte[] san = cert.getExtensionValue(Extension.subjectAlternativeName.getId());
            if (san != null) {
                for (GeneralName g : GeneralNames.getInstance(ASN1OctetString.getInstance(san).getOctets()).getNames()) {
                    switch (g.getTagNo()) {
                        case GeneralName.dNSName:
                            n.addDns(text(g.getName()));
                            break;
                        case GeneralName.iPAddress:
                            n.ips.add(ASN1OctetString.getInstance(g.getName()).getOctets());
                            break;
                        case GeneralName.rfc822Name:
                            n.addEmail(text(g.getName()));
                            break;
                        case GeneralName.uniformResourceIdentifier:
                            n.uris.add(text(g.getName()));
                            break;
                        case GeneralName.directoryName:
                            n.directories.add(new Dn(X500Name.getInstance(g.getName())));
                            break;
                        default:
                            n.unsupported.add(g.toString());
                            n.unsupportedTypes[g.getTagNo()] = true;
                    }
                }
            }
            boolean hadDns = !n.dns.isEmpty();
            for (RDN rdn : subject.getRDNs(BCStyle.CN)) {
                String cn = text(rdn.getFirst().getValue());
                byte[][] address = new byte[1][];
                if (n.ips.isEmpty() && IpLiterals.classify(cn, address) == IpLiterals.Kind.ADDRESS && address[0] != null) {
                    n.cnIps.add(address[0]);
                }
                if (!hadDns && HOST_LIKE_CN.matcher(cn).matches()) {
                    n.addDns(cn);
                } else if (!hadDns && ONE_LABEL_CN.matcher(cn).matches()) {
                    n.cnHosts.add(cn);
                }
            }
            return n;
        }
    }

    /** The constraints of one CA, parsed once per path. */
    public static final class Constraints {
        final List<String> permittedDns = new ArrayList<>();
        final List<String> excludedDns = new ArrayList<>();
        final List<byte[]> permittedIp = new ArrayList<>();
        final List<byte[]> excludedIp = new ArrayList<>();
        final List<String> permittedEmail = new ArrayList<>();
        final List<String> excludedEmail = new ArrayList<>();
        final List<String> permittedUri = new ArrayList<>();
        final List<String> excludedUri = new ArrayList<>();
        final List<Dn> permittedDn = new ArrayList<>();
        final List<Dn> excludedDn = new ArrayList<>();
        final boolean[] otherTypes = new boolean[9];
        private int size;

        int size() {
            return Math.max(1, size);
        }

        /** The constraints of a nameConstraints extension value (the OCTET STRING the certificate holds). */
        static Constraints of(byte[] ext) {
            NameConstraints nc = NameConstraints.getInstance(ASN1OctetString.getInstance(ext).getOctets());
            Constraints c = new Constraints();
            c.add(nc.getPermittedSubtrees(), true);
            c.add(nc.getExcludedSubtrees(), false);
            return c;
        }

        private void add(GeneralSubtree[] subtrees, boolean permitted) {
            if (subtrees == null) {
                return;
            }
            for (GeneralSubtree s : subtrees) {
                GeneralName g = s.getBase();
                size++;
                switch (g.getTagNo()) {
                    case GeneralName.dNSName:
                        (permitted ? permittedDns : excludedDns).add(text(g.getName()));
                        break;
                    case GeneralName.iPAddress:
                        (permitted ? permittedIp : excludedIp).add(ASN1OctetString.getInstance(g.getName()).getOctets());
                        break;
                    case GeneralName.rfc822Name:
                        (permitted ? permittedEmail : excludedEmail).add(text(g.getName()));
                        break;
                    case GeneralName.uniformResourceIdentifier:
                        (permitted ? permittedUri : excludedUri).add(text(g.getName()));
                        break;
                    case GeneralName.directoryName:
                        (permitted ? permittedDn : excludedDn).add(new Dn(X500Name.getInstance(g.getName())));
                        break;
                    default:
                        otherTypes[g.getTagNo()] = true;
                }
            }
        }

        /** Why {@code n} violates these constraints, or {@code null}. */
        String violation(Names n, boolean peer) {
            if (peer) {
                for (byte[] ip : n.cnIps) {
                    String v = ipViolation(ip);
                    if (v != null) {
                        return "its common name " + v;
                    }
                }
                for (String host : n.cnHosts) {
                    String v = dnsViolation(host, false);
                    if (v != null) {
                        return "its common name " + v;
                    }
                }
            }
            for (String name : n.dns) {
                String v = dnsViolation(name, true);
                if (v != null) {
                    return v;
                }
            }
            for (byte[] ip : n.ips) {
                String v = ipViolation(ip);
                if (v != null) {
                    return v;
                }
            }
            for (String email : n.emails) {
                String v = check("email", email, permittedEmail, excludedEmail, NameConstraintsCheck::emailMatches,
                        NameConstraintsCheck::emailCouldBe);
                if (v != null) {
                    return v;
                }
            }
            for (String uri : n.uris) {
                if (permittedUri.isEmpty() && excludedUri.isEmpty()) {
                    break;
                }
                String host = uriHost(uri);
                if (host == null) {
                    return "URI:" + NameText.printable(uri) + " has no host name to compare with the URI "
                            + "constraints, and such a URI must be refused";
                }
                // The host as written and without trailing dots (a resolver reads them alike) must both be allowed.
                String bare = org.nettytls.internal.NameText.stripTrailingDots(host);
                Matcher<String> asWritten = (u, c) -> hostMatches(host, c);
                Matcher<String> asRead = (u, c) -> hostMatches(bare, c);
                String v = check("URI", uri, permittedUri, excludedUri, asWritten, asWritten);
                if (v == null && !bare.isEmpty() && !bare.equals(host)) {
                    v = check("URI", uri, permittedUri, excludedUri, asRead, asRead);
                }
                if (v != null) {
                    return v;
                }
            }
            for (Dn dn : n.directories) {
                for (Dn c : excludedDn) {
                    Boolean within = dn.within(c);
                    if (within == null) {
                        return "DirName:" + shown(dn) + " cannot be compared with the excluded subtree " + shown(c)
                                + " (a value RFC 4518 cannot prepare, RFC 5280 7.1), so it may lie within it";
                    }
                    if (within) {
                        return "DirName:" + shown(dn) + " is in the excluded subtree " + shown(c);
                    }
                }
                String v = check("DirName", dn, permittedDn, List.of(), (d, c) -> d.within(c) == Boolean.TRUE, null);
                if (v != null) {
                    return v;
                }
            }
            for (int tag = 0; tag < n.unsupportedTypes.length; tag++) {
                if (n.unsupportedTypes[tag] && otherTypes[tag]) {
                    return "it has a name of a type (GeneralName tag " + tag + ") whose constraints cannot be evaluated";
                }
            }
            return null;
        }

        /** Why the matched {@code identity} lies outside these constraints, or {@code null}. */
        String identityViolation(Identity identity) {
            return identity.ip != null ? ipViolation(identity.ip) : dnsViolation(identity.host, false);
        }

        private String dnsViolation(String name, boolean maybeWildcard) {
            for (String c : excludedDns) {
                if (dnsMatches(name, c) || maybeWildcard && wildcardReaches(name, c)) {
                    return "DNS:" + NameText.printable(name) + " " + (dnsMatches(name, c) ? "is in" : "can stand for a name in")
                            + " the excluded subtree " + NameText.printable(c);
                }
            }
            if (permittedDns.isEmpty()) {
                return null;
            }
            for (String c : permittedDns) {
                if (dnsMatches(name, c)) {
                    return null;
                }
            }
            return "DNS:" + NameText.printable(name) + " is in none of the permitted subtrees " + shown(permittedDns);
        }

        private String ipViolation(byte[] ip) {
            for (byte[] c : excludedIp) {
                if (ipMatches(ip, c)) {
                    return "IP:" + ip(ip) + " is in the excluded range " + range(c);
                }
            }
            if (permittedIp.isEmpty()) {
                return null;
            }
            for (byte[] c : permittedIp) {
                if (ipMatches(ip, c)) {
                    return null;
                }
            }
            List<String> ranges = new ArrayList<>();
            for (byte[] c : permittedIp) {
                ranges.add(range(c));
            }
            return "IP:" + ip(ip) + " is in none of the permitted ranges " + ranges;
        }

        /** {@code couldBe} says whether a name may be one in an excluded subtree; {@code matches}, in a permitted one. */
        private <T> String check(String type, T name, List<T> permitted, List<T> excluded, Matcher<T> matches,
                Matcher<T> couldBe) {
            for (T c : excluded) {
                if (couldBe.matches(name, c)) {
                    return type + ":" + shown(name) + " is in the excluded subtree " + shown(c);
                }
            }
            if (permitted.isEmpty()) {
                return null;
            }
            for (T c : permitted) {
                if (matches.matches(name, c)) {
                    return null;
                }
            }
            return type + ":" + shown(name) + " is in none of the permitted subtrees " + shown(permitted);
        }
    }

    @FunctionalInterface
    private interface Matcher<T> {
        boolean matches(T name, T constraint);
    }

    /**
     * OpenSSL's {@code nc_dns}: an empty constraint matches everything; otherwise the name ends
     * with the constraint, after a dot (or the constraint starts with one). ASCII case ignored.
     */
    public static boolean dnsMatches(String name, String constraint) {
        if (constraint.isEmpty()) {
            return true;
        }
        int extra = name.length() - constraint.length();
        if (extra < 0) {
            return false;
        }
        if (extra > 0 && constraint.charAt(0) != '.' && name.charAt(extra - 1) != '.') {
            return false;
        }
        return name.regionMatches(true, extra, constraint, 0, constraint.length());
    }

    /**
     * Whether the wildcard dNSName {@code name} ({@code *.example.com}, or {@code b*.example.com}
     * where a scheme allows wildcards inside the label) could match a name in the subtree
     * {@code excluded} without the name itself ending with it: the excluded subtree has exactly
     * one label more than what follows the wildcard label, and the wildcard label matches it.
     */
    public static boolean wildcardReaches(String name, String excluded) {
        int dot = name.indexOf('.');
        if (dot <= 0 || name.lastIndexOf('*', dot) < 0 || excluded.isEmpty() || excluded.charAt(0) == '.') {
            return false;
        }
        String pattern = name.substring(0, dot);
        String rest = name.substring(dot);
        int cDot = excluded.indexOf('.');
        if (cDot <= 0 || !excluded.substring(cDot).equalsIgnoreCase(rest)) {
            return false;
        }
        return glob(pattern.toLowerCase(Locale.ROOT), excluded.substring(0, cDot).toLowerCase(Locale.ROOT));
    }

    /** {@code *} stands for one or more characters, as a wildcard in the hostname check. */
    private static boolean glob(String pattern, String label) {
        int star = pattern.indexOf('*');
        String prefix = pattern.substring(0, star);
        String suffix = pattern.substring(star + 1);
        if (suffix.indexOf('*') >= 0) {
            return false;
        }
        return label.length() > prefix.length() + suffix.length() && label.startsWith(prefix) && label.endsWith(suffix);
    }

    /** An address of 4 or 16 bytes in a constraint of twice as many (address, then mask). */
    public static boolean ipMatches(byte[] ip, byte[] constraint) {
        if (constraint.length != 2 * ip.length) {
            return false;
        }
        for (int i = 0; i < ip.length; i++) {
            int mask = constraint[ip.length + i];
            if ((ip[i] & mask) != (constraint[i] & mask)) {
                return false;
            }
        }
        return true;
    }

    /**
     * RFC 5280's rfc822Name rules: a constraint with {@code @} is one mailbox; one with a leading
     * dot any host below that domain; otherwise exactly that host. Domains ignore case.
     */
    public static boolean emailMatches(String email, String constraint) {
        int at = email.lastIndexOf('@');
        if (at < 0) {
            return false;
        }
        String domain = email.substring(at + 1);
        int cAt = constraint.lastIndexOf('@');
        if (cAt >= 0) {
            return email.substring(0, at).equals(constraint.substring(0, cAt))
                    && domain.equalsIgnoreCase(constraint.substring(cAt + 1));
        }
        return hostMatches(domain, constraint);
    }

    /**
     * Whether {@code email} could be a mailbox of {@code constraint}, for an excluded subtree: as
     * {@link #emailMatches} but with the local part's case ignored too (the JDK's reading), since
     * a host may well deliver {@code alice@} and {@code Alice@} to the same mailbox.
     */
    public static boolean emailCouldBe(String email, String constraint) {
        int at = email.lastIndexOf('@');
        int cAt = constraint.lastIndexOf('@');
        if (at < 0 || cAt < 0) {
            return emailMatches(email, constraint);
        }
        return email.substring(0, at).equalsIgnoreCase(constraint.substring(0, cAt))
                && email.substring(at + 1).equalsIgnoreCase(constraint.substring(cAt + 1));
    }

    /** A host against a URI or email domain constraint: leading dot, any host below it; else that host. */
    public static boolean hostMatches(String host, String constraint) {
        if (constraint.startsWith(".")) {
            return host.length() > constraint.length() && host.regionMatches(true, host.length() - constraint.length(),
                    constraint, 0, constraint.length());
        }
        return host.equalsIgnoreCase(constraint);
    }

    /** The host name of a URI, or {@code null} when it has none or an IP address stands there. */
    public static String uriHost(String uri) {
        try {
            String host = new URI(uri).getHost();
            if (host == null || host.isEmpty() || host.startsWith("[")
                    || IpLiterals.classify(host, new byte[1][]) != IpLiterals.Kind.HOSTNAME) {
                return null;
            }
            return host;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /**
     * A distinguished name prepared once (<a href="https://www.rfc-editor.org/rfc/rfc4518">RFC
     * 4518</a>, as <a href="https://www.rfc-editor.org/rfc/rfc5280#section-7.1">RFC 5280 7.1</a>
     * asks for directoryName constraints), so that comparing it costs string comparisons only. A
     * string value RFC 4518 cannot prepare (a prohibited or unassigned character, an unpaired
     * surrogate, a UniversalString that is not UTF-32) matches only its own octets and otherwise
     * compares as undefined.
     */
    public static final class Dn {
        private final X500Name name;
        /** Per RDN, its attributes as {@code oid=prepared value}, or {@code oid#DER} where it cannot be prepared. */
        private final String[][] rdns;
        /** Per RDN, whether one of its values could not be prepared. */
        private final boolean[] unprepared;

        Dn(X500Name name) {
            this.name = name;
            RDN[] r = name.getRDNs();
            this.rdns = new String[r.length][];
            this.unprepared = new boolean[r.length];
            for (int i = 0; i < r.length; i++) {
                AttributeTypeAndValue[] atvs = r[i].getTypesAndValues();
                rdns[i] = new String[atvs.length];
                for (int k = 0; k < atvs.length; k++) {
                    String prepared = prepared(atvs[k].getValue());
                    if (prepared == null) {
                        unprepared[i] = true;
                        prepared = "#" + HexFormat.of().formatHex(der(atvs[k].getValue()));
                    }
                    rdns[i][k] = atvs[k].getType().getId() + "=" + prepared;
                }
                // A multi-valued RDN is a SET: its order as encoded means nothing (OpenSSL sorts it too).
                Arrays.sort(rdns[i]);
            }
        }

        /** Whether the constraint's RDNs begin this name. */
        boolean startsWith(Dn constraint) {
            return within(constraint) == Boolean.TRUE;
        }

        /**
         * Whether this name lies within the subtree {@code constraint}; {@code null} when that is
         * undefined (RFC 4518 could not prepare a value the answer depends on).
         */
        Boolean within(Dn constraint) {
            if (constraint.rdns.length > rdns.length) {
                return false;
            }
            boolean undefined = false;
            for (int i = 0; i < constraint.rdns.length; i++) {
                if (Arrays.equals(rdns[i], constraint.rdns[i])) {
                    continue;
                }
                if ((unprepared[i] || constraint.unprepared[i]) && sameTypes(rdns[i], constraint.rdns[i])) {
                    undefined = true;
                    continue;
                }
                return false;
            }
            return undefined ? null : true;
        }

        private static boolean sameTypes(String[] a, String[] b) {
            if (a.length != b.length) {
                return false;
            }
            String[] ta = new String[a.length];
            String[] tb = new String[b.length];
            for (int k = 0; k < a.length; k++) {
                ta[k] = type(a[k]);
                tb[k] = type(b[k]);
            }
            Arrays.sort(ta);
            Arrays.sort(tb);
            return Arrays.equals(ta, tb);
        }

        private static String type(String attribute) {
            int cut = 0;
            while (cut < attribute.length() && attribute.charAt(cut) != '=' && attribute.charAt(cut) != '#') {
                cut++;
            }
            return attribute.substring(0, cut);
        }

        @Override
        public String toString() {
            return name.toString();
        }
    }

    private static byte[] der(ASN1Encodable value) {
        try {
            return value.toASN1Primitive().getEncoded();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("attribute value cannot be encoded", e);
        }
    }

    /**
     * An attribute value prepared for matching as RFC 4518 (section 2) describes: mapped (characters
     * mapped to nothing removed, controls and separators to a space, case folded), normalized to
     * NFKC, prohibited characters refused, insignificant space removed (leading and trailing, runs
     * inside read as one). {@code null} when the value cannot be prepared. A value that is no
     * string compares by its DER (octet-string matching needs no preparation).
     */
    static String prepared(ASN1Encodable value) {
        String s;
        if (value instanceof ASN1UniversalString) {
            byte[] octets = ((ASN1UniversalString) value).getOctets();
            if (octets.length % 4 != 0) {
                return null;
            }
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < octets.length; i += 4) {
                int cp = (octets[i] & 0xff) << 24 | (octets[i + 1] & 0xff) << 16 | (octets[i + 2] & 0xff) << 8
                        | octets[i + 3] & 0xff;
                if (!Character.isValidCodePoint(cp)) {
                    return null;
                }
                b.appendCodePoint(cp);
            }
            s = b.toString();
        } else if (value instanceof ASN1String) {
            s = ((ASN1String) value).getString();
        } else {
            return "#" + HexFormat.of().formatHex(der(value));
        }
        StringBuilder mapped = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (mapsToNothing(cp)) {
                continue;
            }
            int type = Character.getType(cp);
            if (cp >= 0x09 && cp <= 0x0d || cp == 0x85 || type == Character.SPACE_SEPARATOR
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                mapped.append(' ');
            } else if (type == Character.CONTROL || type == Character.FORMAT) {
                continue;
            } else {
                mapped.appendCodePoint(cp);
            }
        }
        // Case folding (RFC 3454 B.2): upper then lower case folds ß to ss and the sigmas alike.
        String folded = Normalizer.normalize(Normalizer.normalize(mapped, Normalizer.Form.NFKC)
                .toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT), Normalizer.Form.NFKC);
        StringBuilder out = new StringBuilder(folded.length());
        for (int i = 0; i < folded.length(); ) {
            int cp = folded.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            if (type == Character.UNASSIGNED || type == Character.PRIVATE_USE || type == Character.SURROGATE
                    || cp == 0xfffd || cp >= 0xfdd0 && cp <= 0xfdef || (cp & 0xfffe) == 0xfffe) {
                return null;
            }
            if (cp == ' ') {
                if (out.length() > 0 && out.charAt(out.length() - 1) != ' ') {
                    out.append(' ');
                }
            } else {
                out.appendCodePoint(cp);
            }
        }
        int end = out.length();
        while (end > 0 && out.charAt(end - 1) == ' ') {
            end--;
        }
        return out.substring(0, end);
    }

    /** RFC 4518 2.2's characters mapped to nothing beyond the controls and format characters. */
    private static boolean mapsToNothing(int cp) {
        return cp == 0x00ad || cp == 0x1806 || cp == 0x034f || cp >= 0x180b && cp <= 0x180d
                || cp >= 0xfe00 && cp <= 0xfe0f || cp == 0xfffc || cp == 0x200b;
    }

    private static String text(ASN1Encodable value) {
        return value instanceof ASN1String ? ((ASN1String) value).getString() : value.toString();
    }

    private static String shown(Object o) {
        if (o instanceof List) {
            List<String> out = new ArrayList<>();
            for (Object e : (List<?>) o) {
                out.add(shown(e));
            }
            return out.size() > 5 ? out.subList(0, 5) + " and " + (out.size() - 5) + " more" : out.toString();
        }
        return NameText.printable(String.valueOf(o));
    }

    public static String ip(byte[] address) {
        try {
            return java.net.InetAddress.getByAddress(address).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return "#" + HexFormat.of().formatHex(address);
        }
    }

    public static String range(byte[] constraint) {
        if (constraint.length != 8 && constraint.length != 32) {
            return "#" + HexFormat.of().formatHex(constraint) + " (malformed)";
        }
        byte[] base = Arrays.copyOf(constraint, constraint.length / 2);
        int bits = 0;
        for (int i = constraint.length / 2; i < constraint.length; i++) {
            bits += Integer.bitCount(constraint[i] & 0xff);
        }
        return ip(base) + "/" + bits;
    }
}
