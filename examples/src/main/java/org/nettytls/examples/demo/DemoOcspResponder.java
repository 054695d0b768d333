package org.nettytls.examples.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.cert.ocsp.jcajce.JcaBasicOCSPRespBuilder;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.nettytls.cert.HeldCertificate;

/**
 * The demo's OCSP responder (RFC 6960 over HTTP, POST and RFC 5019 GET) on 127.0.0.1: it answers
 * for the certificates one CA issued, signed by that CA itself, {@code revoked} (keyCompromise)
 * for the serial numbers it was given and {@code good} for the others; requests about another
 * issuer's certificates get {@code unknown}. Responses are valid for an hour.
 */
final class DemoOcspResponder implements AutoCloseable {
    private static final Duration VALIDITY = Duration.ofHours(1);

    private final HeldCertificate issuer;
    private final X509CertificateHolder issuerHolder;
    private final Set<BigInteger> revoked;
    private final Channel server;
    private final AtomicInteger answered = new AtomicInteger();

    DemoOcspResponder(EventLoopGroup group, HeldCertificate issuer, Set<BigInteger> revoked) throws Exception {
        this(group, issuer, revoked, 0);
    }

    /** On 127.0.0.1:{@code port} (0 picks one): for an issuer whose certificates must name the URL before it exists. */
    DemoOcspResponder(EventLoopGroup group, HeldCertificate issuer, Set<BigInteger> revoked, int port) throws Exception {
        this.issuer = issuer;
        this.issuerHolder = new JcaX509CertificateHolder(issuer.certificate());
        this.revoked = Set.copyOf(revoked);
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(16 * 1024), new Answer());
                    }
                }).bind("127.0.0.1", port).sync().channel();
    }

    /** The URL certificates name in their authorityInfoAccess. */
    String url() {
        return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/ocsp";
    }

    /** How many requests were answered. */
    int answered() {
        return answered.get();
    }

    private final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            FullHttpResponse resp;
            try {
                byte[] der = req.method() == HttpMethod.POST ? ByteBufUtil.getBytes(req.content())
                        : Base64.getDecoder().decode(URLDecoder.decode(req.uri().substring(req.uri().lastIndexOf('/') + 1),
                                StandardCharsets.US_ASCII));
                byte[] body = respond(new OCSPReq(der));
                resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/ocsp-response");
                answered.incrementAndGet();
            } catch (Exception | LinkageError e) {
                resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST, Unpooled.EMPTY_BUFFER);
            }
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private byte[] respond(OCSPReq request) throws Exception {
        DigestCalculatorProvider digests = new JcaDigestCalculatorProviderBuilder().build();
        BasicOCSPRespBuilder b = new JcaBasicOCSPRespBuilder(issuer.certificate().getPublicKey(),
                digests.get(CertificateID.HASH_SHA1));
        Instant now = Instant.now();
        Date thisUpdate = Date.from(now.minusSeconds(60));
        Date nextUpdate = Date.from(now.plus(VALIDITY));
        for (Req r : request.getRequestList()) {
            CertificateID id = r.getCertID();
            CertificateStatus status;
            if (!id.matchesIssuer(issuerHolder, digests)) {
                status = new UnknownStatus();
            } else if (revoked.contains(id.getSerialNumber())) {
                status = new RevokedStatus(Date.from(now.minus(Duration.ofDays(1))), CRLReason.keyCompromise);
            } else {
                status = CertificateStatus.GOOD;
            }
            b.addResponse(id, status, thisUpdate, nextUpdate, null);
        }
        Extension nonce = request.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
        if (nonce != null) {
            b.setResponseExtensions(new Extensions(nonce));
        }
        String algorithm = "RSA".equals(issuer.privateKey().getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
        BasicOCSPResp basic = b.build(new JcaContentSignerBuilder(algorithm).build(issuer.privateKey()),
                new X509CertificateHolder[] {issuerHolder}, Date.from(now));
        return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic).getEncoded();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
    }
}
