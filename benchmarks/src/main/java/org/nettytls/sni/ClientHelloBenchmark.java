package org.nettytls.sni;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.benchmarks.JmhDefaults;
import org.nettytls.cert.HeldCertificate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * ClientHello inspection for the key-type choice, as {@link SniCertSelector} does it per
 * connection: parse a real TLS 1.3 ClientHello (the JDK client's, with SNI and its full
 * signature_algorithms list), canonicalize the name, and retrace which of a name's two
 * certificates (RSA, and ECDSA as {@code name%ecc}) went out for the offered schemes.
 */
public class ClientHelloBenchmark extends JmhDefaults {
    private ByteBuf body;
    private TlsServerContext context;
    private SSLSession tls13;

    @Setup
    public void setUp() throws Exception {
        SSLEngine client = SSLContext.getDefault().createSSLEngine("www.example.org", 443);
        client.setUseClientMode(true);
        SSLParameters p = client.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("www.example.org")));
        p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        client.setSSLParameters(p);
        ByteBuffer record = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.allocate(0), record);
        record.flip();
        // Record header (5 bytes), then the handshake header (type and 3-byte length), then the body.
        int length = ((record.get(6) & 0xff) << 16) | ((record.get(7) & 0xff) << 8) | (record.get(8) & 0xff);
        byte[] bytes = new byte[length];
        record.position(9);
        record.get(bytes);
        body = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes));

        HeldCertificate rsa = HeldCertificate.builder().commonName("www.example.org").dns("www.example.org").rsa(2048).build();
        HeldCertificate ec = HeldCertificate.builder().commonName("www.example.org").dns("www.example.org").ec("secp256r1").build();
        context = SniMapping.builder()
                .add("www.example.org", TlsServerOptions.builder().certificate(rsa.keyMaterial())
                        .addCertificate(ec.keyMaterial()).build())
                .build().context("www.example.org");
        tls13 = (SSLSession) Proxy.newProxyInstance(SSLSession.class.getClassLoader(), new Class<?>[] {SSLSession.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getProtocol":
                            return "TLSv1.3";
                        case "getCipherSuite":
                            return "TLS_AES_128_GCM_SHA256";
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    @Benchmark
    public List<X509Certificate> inspect() throws TlsException {
        ClientHello hello = ClientHello.parse(body);
        String name = ServerNames.canonical(hello.hostName(), false);
        if (name == null) {
            throw new IllegalStateException("the ClientHello lost its server name");
        }
        return SentCertificate.chain(context, tls13, hello.signatureSchemes());
    }
}
