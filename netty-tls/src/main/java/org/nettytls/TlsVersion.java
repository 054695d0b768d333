package org.nettytls;

import java.util.EnumSet;
import java.util.Set;
import org.nettytls.protocol.internal.ProtocolVersions;

/**
 * The TLS versions BoringSSL speaks, for {@link TlsOptions.Builder#protocols(TlsVersion...)}; the
 * reference's {@code SSL_version} string ({@code "SSLv23:!TLSv1:!TLSv1_1"}) is
 * {@link TlsOptions.Builder#protocols(String)}. SSLv2 and SSLv3 are not here: BoringSSL has neither.
 */
public enum TlsVersion {
    /** TLS 1.0 (RFC 2246): off unless asked for. */
    TLS_1_0(ProtocolVersions.Version.TLSv1),
    /** TLS 1.1 (RFC 4346): off unless asked for. */
    TLS_1_1(ProtocolVersions.Version.TLSv1_1),
    /** TLS 1.2 (RFC 5246): on by default. */
    TLS_1_2(ProtocolVersions.Version.TLSv1_2),
    /** TLS 1.3 (RFC 8446): on by default. */
    TLS_1_3(ProtocolVersions.Version.TLSv1_3);

    private final ProtocolVersions.Version version;

    TlsVersion(ProtocolVersions.Version version) {
        this.version = version;
    }

    /** {@return the JDK's and Netty's name: {@code TLSv1.3}} */
    public String javaName() {
        return version.jdkName();
    }

    /**
     * {@return IO::Socket::SSL's name, as {@code SSL_version} takes it and {@code get_sslversion} returns it: {@code
     * TLSv1_3}}
     */
    public String referenceName() {
        return version.referenceName();
    }

    /**
     * {@return the number on the wire, as the reference's {@code get_sslversion_int} returns it: {@code 0x0304} for
     * TLS 1.3}
     */
    public int wireVersion() {
        return version.wireVersion();
    }

    /**
     * The version with this JDK name ({@code TLSv1.2}), or {@code null}.
     *
     * @param name e.g. {@code TLSv1.3}
     * @return the version, or {@code null}
     */
    public static TlsVersion ofJavaName(String name) {
        ProtocolVersions.Version v = ProtocolVersions.Version.ofJdkName(name);
        return v == null ? null : of(v);
    }

    ProtocolVersions.Version internal() {
        return version;
    }

    static TlsVersion of(ProtocolVersions.Version v) {
        return values()[v.ordinal()];
    }

    static Set<TlsVersion> of(Set<ProtocolVersions.Version> versions) {
        EnumSet<TlsVersion> out = EnumSet.noneOf(TlsVersion.class);
        for (ProtocolVersions.Version v : versions) {
            out.add(of(v));
        }
        return out;
    }
}
