/**
 * netty-tls-ocsp: OCSP stapling and revocation checks for netty-tls. Start at
 * {@link org.nettytls.ocsp}.
 */
module org.nettytls.ocsp {
    requires transitive org.nettytls;
    requires io.netty.codec.http;
    requires io.netty.resolver;
    requires io.netty.tcnative.classes.openssl;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.util;

    exports org.nettytls.ocsp;
}
