/**
 * netty-tls-acme: certificates from an ACME server (RFC 8555), issued and renewed on acme4j and
 * served through {@code SniReloader}. Start at {@link org.nettytls.acme.AcmeCertificates}.
 */
module org.nettytls.acme {
    requires transitive org.nettytls;
    requires io.netty.codec.http;
    requires org.shredzone.acme4j;

    exports org.nettytls.acme;
}
