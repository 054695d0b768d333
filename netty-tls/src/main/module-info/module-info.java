/**
 * netty-tls: Netty handlers that give pipelines what IO::Socket::SSL gives sockets. Start at
 * {@link org.nettytls}.
 *
 * <p>The exported packages are the API; {@code org.nettytls.internal} and the {@code .internal}
 * packages below verification, protocol parsing and the error trap are not, and are exported only
 * to netty-tls-ocsp where it needs them.
 *
 * <p><b>Please note, on the module path:</b> netty-tls reads two handles Netty keeps to itself
 * (the tcnative context of an OpenSSL context, for the client session cache, ticket keys and the
 * key log; a credential's address, for per-certificate staples), so run with
 * {@code --add-opens io.netty.handler/io.netty.handler.ssl=org.nettytls}; and resolve
 * netty-tcnative's native module for the platform (for example
 * {@code --add-modules io.netty.internal.tcnative.openssl.linux.x86_64}), which no module can
 * require without tying itself to one platform. On the class path neither is needed.
 */
@SuppressWarnings("module") // the qualified exports name a module built after this one
module org.nettytls {
    requires transitive io.netty.buffer;
    requires transitive io.netty.codec;
    requires transitive io.netty.common;
    requires transitive io.netty.handler;
    requires transitive io.netty.transport;
    requires io.netty.tcnative.classes.openssl;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.classes.io_uring;
    requires io.netty.transport.unix.common;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.util;

    exports org.nettytls;
    exports org.nettytls.annotation;
    exports org.nettytls.cert;
    exports org.nettytls.compat;
    exports org.nettytls.error;
    exports org.nettytls.session;
    exports org.nettytls.sni;
    exports org.nettytls.starttls;
    exports org.nettytls.transport;
    exports org.nettytls.trap;
    exports org.nettytls.verify;

    exports org.nettytls.internal to org.nettytls.ocsp;
    exports org.nettytls.verify.internal to org.nettytls.ocsp;
}
