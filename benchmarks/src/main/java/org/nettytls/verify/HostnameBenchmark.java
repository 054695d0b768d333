package org.nettytls.verify;

import java.security.cert.X509Certificate;
import org.nettytls.benchmarks.JmhDefaults;
import org.nettytls.cert.HeldCertificate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * Hostname verification as a client does it once per full handshake
 * ({@code SSL_verifycn_scheme}): per scheme, against a certificate naming the host exactly, a
 * wildcard certificate, and a wildcard on a public suffix ({@code *.co.uk}) that only the
 * public-suffix check refuses.
 */
public class HostnameBenchmark extends JmhDefaults {
    @Param({"http", "ldap", "smtp", "sip"})
    public String scheme;

    @Param({"exact", "wildcard", "wildcard-public-suffix"})
    public String certificate;

    private HostnameScheme hostnameScheme;
    private X509Certificate cert;
    private String name;
    private PublicSuffix suffixes;

    @Setup
    public void setUp() throws Exception {
        hostnameScheme = HostnameScheme.named(scheme);
        suffixes = PublicSuffix.builtIn();
        String dns;
        switch (certificate) {
            case "exact":
                dns = "www.example.com";
                name = "www.example.com";
                break;
            case "wildcard":
                dns = "*.example.com";
                name = "www.example.com";
                break;
            default:
                dns = "*.co.uk";
                name = "example.co.uk";
                break;
        }
        cert = HeldCertificate.builder().commonName(dns).dns("other.example.net", dns).ec("secp256r1").build().certificate();
    }

    @Benchmark
    public boolean verify() {
        return HostnameVerification.verify(name, cert, hostnameScheme, suffixes);
    }
}
