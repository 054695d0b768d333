package org.nettytls.protocol.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nettytls.error.TlsException;

/**
 * The protocol versions a context may negotiate, from a version string in IO::Socket::SSL's
 * {@code SSL_version} syntax: colon-separated, case-insensitive tokens, each a version or a
 * {@code !}-negated version; {@code SSLv23} means "any"; at most one positive version other
 * than {@code SSLv23}, which then is the only one allowed. {@code TLSv1_2}, {@code TLSv12} and
 * {@code TLSv1.2} name the same version.
 *
 * <p><b>Please note:</b> unlike the reference, whose default {@code SSLv23:!SSLv3:!SSLv2} still
 * allows TLS 1.0 and 1.1, netty-tls defaults to TLS 1.2 and 1.3 only. Asking for
 * {@code SSLv23:!SSLv3:!SSLv2} explicitly turns TLS 1.0 and 1.1 back on. SSL 2.0 and 3.0 cannot
 * be asked for at all: BoringSSL does not implement them.
 */
public final class ProtocolVersions {
    /** The versions BoringSSL can speak, with their JDK names and wire numbers. */
    public enum Version {
        TLSv1("TLSv1", "TLSv1", 0x0301),
        TLSv1_1("TLSv1_1", "TLSv1.1", 0x0302),
        TLSv1_2("TLSv1_2", "TLSv1.2", 0x0303),
        TLSv1_3("TLSv1_3", "TLSv1.3", 0x0304);

        private final String referenceName;
        private final String jdkName;
        private final int wire;

        Version(String referenceName, String jdkName, int wire) {
            this.referenceName = referenceName;
            this.jdkName = jdkName;
            this.wire = wire;
        }

        /** The name IO::Socket::SSL's {@code get_sslversion} returns, such as {@code TLSv1_3}. */
        public String referenceName() {
            return referenceName;
        }

        /** The JDK and Netty name, such as {@code TLSv1.3}. */
        public String jdkName() {
            return jdkName;
        }

        /** The number on the wire, as {@code get_sslversion_int} returns it ({@code 0x0304} for TLS 1.3). */
        public int wireVersion() {
            return wire;
        }

        /** The version with this JDK name ({@code TLSv1.2}), or {@code null}. */
        public static Version ofJdkName(String name) {
            for (Version v : values()) {
                if (v.jdkName.equals(name)) {
                    return v;
                }
            }
            return null;
        }
    }

    private static final Pattern TOKEN = Pattern.compile(
            "(!?)(?:(SSLv2|SSLv3|SSLv23|SSLv2/3)|(TLSv1(?:[_.]?[123])?))", Pattern.CASE_INSENSITIVE);

    /** TLS 1.2 and 1.3: the secure default. */
    public static final ProtocolVersions DEFAULT =
            new ProtocolVersions(EnumSet.of(Version.TLSv1_2, Version.TLSv1_3), "TLSv1_2:TLSv1_3 (default)");

    private final Set<Version> versions;
    private final String spec;

    private ProtocolVersions(Set<Version> versions, String spec) {
        this.versions = Collections.unmodifiableSet(EnumSet.copyOf(versions));
        this.spec = spec;
    }

    /** The versions in {@code versions}, in protocol order. */
    public static ProtocolVersions of(Version... versions) {
        if (versions.length == 0) {
            throw new IllegalArgumentException("at least one version is needed");
        }
        EnumSet<Version> set = EnumSet.noneOf(Version.class);
        Collections.addAll(set, versions);
        return new ProtocolVersions(set, set.toString());
    }

    /**
     * Parses a version string in the reference's syntax, such as {@code SSLv23:!SSLv3:!SSLv2},
     * {@code TLSv1_2}, {@code TLSv12} or {@code !TLSv1_1:!TLSv1}. An unknown token, two different
     * positive versions, a positive SSLv2 or SSLv3, or a string that leaves nothing allowed is a
     * {@link org.nettytls.error.TlsErrorCode#BAD_CONFIGURATION} naming {@code SSL_version} and the part.
     */
    public static ProtocolVersions parse(String spec) throws TlsException {
        if (spec == null || spec.isBlank()) {
            throw TlsException.badConfiguration("protocols (SSL_version)", "empty version string");
        }
        Version only = null;
        String onlyToken = null;
        EnumSet<Version> excluded = EnumSet.noneOf(Version.class);
        for (String raw : spec.trim().split("\\s*:\\s*")) {
            Matcher m = TOKEN.matcher(raw);
            if (!m.matches()) {
                throw TlsException.badConfiguration("protocols (SSL_version)", "'" + raw + "' in '" + spec
                        + "' is not a version (expected SSLv23, TLSv1, TLSv1_1, TLSv1_2, TLSv1_3, each optionally with '!')");
            }
            boolean not = !m.group(1).isEmpty();
            if (m.group(2) != null) {
                String ssl = m.group(2).toUpperCase(Locale.ROOT);
                if (ssl.equals("SSLV23") || ssl.equals("SSLV2/3")) {
                    if (not) {
                        throw TlsException.badConfiguration("protocols (SSL_version)", "'" + raw + "' in '" + spec
                                + "' excludes every version");
                    }
                    continue;
                }
                if (!not) {
                    throw TlsException.badConfiguration("protocols (SSL_version)", "'" + raw + "' in '" + spec
                            + "' asks for " + (ssl.equals("SSLV2") ? "SSLv2" : "SSLv3")
                            + ", which BoringSSL does not implement (it speaks TLSv1 to TLSv1_3)");
                }
                continue; // Excluding a version BoringSSL never speaks changes nothing.
            }
            Version v = tls(m.group(3));
            if (not) {
                excluded.add(v);
            } else {
                if (only != null && only != v) {
                    throw TlsException.badConfiguration("protocols (SSL_version)", "'" + onlyToken + "' and '" + raw + "' in '"
                            + spec + "': only one version may be named without '!' (use '!' to exclude others)");
                }
                only = v;
                onlyToken = raw;
            }
        }
        EnumSet<Version> allowed = only != null ? EnumSet.of(only) : EnumSet.allOf(Version.class);
        allowed.removeAll(excluded);
        if (allowed.isEmpty()) {
            throw TlsException.badConfiguration("protocols (SSL_version)", "'" + spec + "' leaves no version allowed");
        }
        return new ProtocolVersions(allowed, spec);
    }

    private static Version tls(String token) {
        String digits = token.substring("TLSv1".length()).replaceAll("[_.]", "");
        switch (digits) {
            case "":
                return Version.TLSv1;
            case "1":
                return Version.TLSv1_1;
            case "2":
                return Version.TLSv1_2;
            default:
                return Version.TLSv1_3;
        }
    }

    public Set<Version> versions() {
        return versions;
    }

    public boolean allows(Version v) {
        return versions.contains(v);
    }

    /** The JDK names, lowest first, as Netty's {@code SslContextBuilder.protocols} takes them. */
    public List<String> jdkNames() {
        List<String> names = new ArrayList<>();
        for (Version v : versions) {
            names.add(v.jdkName());
        }
        return names;
    }

    /** Whether any version below TLS 1.3 is allowed, so a TLS 1.2-style cipher list matters. */
    public boolean allowsBelowTls13() {
        return versions.contains(Version.TLSv1) || versions.contains(Version.TLSv1_1) || versions.contains(Version.TLSv1_2);
    }

    /** The string this was parsed from. */
    public String spec() {
        return spec;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProtocolVersions && ((ProtocolVersions) o).versions.equals(versions);
    }

    @Override
    public int hashCode() {
        return versions.hashCode();
    }

    @Override
    public String toString() {
        return jdkNames().toString();
    }
}
