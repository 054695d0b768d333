package org.nettytls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.CertificateFields;
import org.nettytls.cert.Fingerprint;
import org.nettytls.cert.SubjectAltName;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.HostnameVerification;
import org.nettytls.verify.PeerVerdict;
import org.nettytls.verify.PublicSuffix;
import org.nettytls.internal.VerifiedPromise;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;

/**
 * What a finished TLS handshake agreed on and who the peer is: the counterpart of
 * IO::Socket::SSL's {@code get_cipher}, {@code get_sslversion}, {@code get_sslversion_int},
 * {@code get_session_reused}, {@code get_fingerprint}, {@code peer_certificate},
 * {@code peer_certificates}, {@code sock_certificate}, {@code get_servername},
 * {@code alpn_selected}, {@code verify_hostname} and {@code dump_peer_certificate}.
 *
 * <p>An instance is an immutable snapshot taken when it is made; take a new one after a
 * renegotiation. Make it on any thread once the handshake has succeeded, for example in
 * {@code userEventTriggered} on {@code SslHandshakeCompletionEvent.SUCCESS}.
 */
public final class TlsConnectionInfo {
    /**
     * Where an OCSP check records its verdict on the channel, for {@link #ocspStatus()} to
     * report: a short text such as {@code good}, {@code revoked: keyCompromise} or
     * {@code unknown}. netty-tls itself never sets it; the OCSP handlers of netty-tls-ocsp do.
     */
    public static final AttributeKey<String> OCSP_STATUS = AttributeKey.valueOf(TlsConnectionInfo.class, "OCSP_STATUS");

    /**
     * Where a server records the chain it really sent, for {@link #localCertificates()}, when the
     * SSL session cannot tell: with RSA and ECDSA certificates in one context the session names
     * the first whichever BoringSSL chose. The SNI selector of netty-tls sets it.
     */
    public static final AttributeKey<List<X509Certificate>> LOCAL_CERTIFICATES =
            AttributeKey.valueOf(TlsConnectionInfo.class, "LOCAL_CERTIFICATES");

    private final String protocol;
    private final String javaCipher;
    private final String cipher;
    private final Boolean sessionReused;
    private final List<X509Certificate> peerChain;
    private final List<X509Certificate> localChain;
    private final String servername;
    private final String alpn;
    private final String group;
    private final String npn;
    private final String ocspStatus;
    private final PeerVerdict verification;
    private final String compressionReceived;
    private final String compressionSent;

    private TlsConnectionInfo(SSLEngine engine, SSLSession session, String alpn, String ocspStatus,
            List<X509Certificate> sentChain) throws TlsException {
        this.protocol = session.getProtocol();
        this.javaCipher = session.getCipherSuite();
        if (protocol == null || "NONE".equals(protocol) || javaCipher == null
                || "SSL_NULL_WITH_NULL_NULL".equals(javaCipher)) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION,
                    "connection info: the TLS handshake has not finished (session protocol " + protocol + ")");
        }
        BoringSslFacts facts = BoringSslFacts.of(engine);
        String nativeCipher = facts != null ? facts.cipher() : null;
        Boolean reused = facts != null ? facts.resumed() : null;
        String keyGroup = facts != null ? facts.group() : null;
        String nextProto = facts != null ? facts.nextProtocol() : null;
        this.cipher = nativeCipher != null ? nativeCipher : openSslCipherName(javaCipher);
        this.sessionReused = reused;
        this.peerChain = peerCertificates(session);
        this.localChain = sentChain != null ? List.copyOf(sentChain) : x509(session.getLocalCertificates());
        this.servername = requestedServerName(session);
        this.alpn = alpn == null || alpn.isEmpty() ? null : alpn;
        this.group = keyGroup;
        this.npn = nextProto == null || nextProto.isEmpty() ? null : nextProto;
        this.ocspStatus = ocspStatus;
        Object verdict = session.getValue(PeerVerdict.SESSION_KEY);
        this.verification = verdict instanceof PeerVerdict ? (PeerVerdict) verdict : null;
        Object received = session.getValue(org.nettytls.internal.CertificateCompression.RECEIVED);
        this.compressionReceived = received instanceof String ? (String) received : null;
        Object sent = session.getValue(org.nettytls.internal.CertificateCompression.SENT);
        this.compressionSent = sent instanceof String ? (String) sent : null;
    }

    /**
     * The connection info of a channel that carries TLS: the first {@link SslHandler} in its pipeline.
     *
     * @param channel a channel whose handshake finished
     * @return the connection's info
     * @throws TlsException {@link TlsErrorCode#BAD_CONFIGURATION} when the pipeline has no
     *         {@code SslHandler} or its handshake has not finished yet; the handshake's own failure
     *         (its code, or {@link TlsErrorCode#HANDSHAKE_FAILED}) when it failed
     */
    public static TlsConnectionInfo of(Channel channel) throws TlsException {
        Objects.requireNonNull(channel, "channel");
        SslHandler handler = channel.pipeline().get(SslHandler.class);
        if (handler == null) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION,
                    "connection info: channel " + channel.id() + " has no SslHandler in its pipeline");
        }
        return of(handler, channel.attr(OCSP_STATUS).get(), channel.attr(LOCAL_CERTIFICATES).get());
    }

    /**
     * A future that completes when the peer of the channel's handshake is <em>verified</em>: the
     * handshake is done and every check of the peer passed, those that run after it included
     * (netty-tls-ocsp's resolver, CRL distribution points, the staple callback). It succeeds with
     * the connection info, and fails with the {@link TlsException} that refused the peer or ended
     * the connection first. Netty's {@code SslHandler.handshakeFuture()} completes earlier, before
     * the checks that run after the handshake; wait for this one before trusting the peer.
     *
     * <p>It works for TLS that netty-tls put on the channel ({@code TlsClientContext.install},
     * {@code TlsServerContext.install}, {@code SniCertSelector}, a STARTTLS upgrade) or checked
     * ({@code HostnameSchemeVerifier}), and may be asked for before TLS is on the channel. After a
     * STOPTLS, the next upgrade's handshake gets a new future. The info is read when the verdict
     * comes if the future was asked for before (in the channel's initializer, say), so it survives a
     * peer that closes right after; asked for later, it is read from the channel then.
     *
     * @param channel a channel with netty-tls' TLS on it
     * @return completes with the info once the peer is verified, or fails with the verdict's error
     */
    public static Future<TlsConnectionInfo> verifiedFuture(Channel channel) {
        Objects.requireNonNull(channel, "channel");
        Promise<Object> verified = VerifiedPromise.of(channel);
        Promise<TlsConnectionInfo> info = channel.isRegistered() ? channel.eventLoop().newPromise()
                : ImmediateEventExecutor.INSTANCE.newPromise();
        verified.addListener(f -> {
            if (!f.isSuccess()) {
                info.tryFailure(f.cause());
            } else if (f.getNow() instanceof TlsConnectionInfo) {
                info.trySuccess((TlsConnectionInfo) f.getNow());
            } else {
                try {
                    info.trySuccess(of(channel));
                } catch (TlsException | RuntimeException e) {
                    info.tryFailure(e);
                }
            }
        });
        return info;
    }


    /**
     * The connection info of {@code handler}'s finished handshake; see {@link #of(Channel)}.
     *
     * @param handler a handler whose handshake finished
     * @return the connection's info
     * @throws TlsException ({@code BAD_CONFIGURATION}) when the handshake has not finished
     */
    public static TlsConnectionInfo of(SslHandler handler) throws TlsException {
        return of(handler, null, null);
    }

    private static TlsConnectionInfo of(SslHandler handler, String ocspStatus, List<X509Certificate> sentChain)
            throws TlsException {
        Future<Channel> handshake = handler.handshakeFuture();
        if (!handshake.isDone()) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION,
                    "connection info: the TLS handshake has not finished yet");
        }
        if (!handshake.isSuccess()) {
            TlsException known = TlsException.find(handshake.cause());
            throw new TlsException(known != null ? known.code() : TlsErrorCode.HANDSHAKE_FAILED,
                    "connection info: the TLS handshake failed: " + handshake.cause().getMessage(), handshake.cause());
        }
        SSLEngine engine = handler.engine();
        return new TlsConnectionInfo(engine, engine.getSession(), handler.applicationProtocol(), ocspStatus, sentChain);
    }

    /**
     * The connection info of an engine whose handshake has finished. Session reuse and the
     * exact cipher name come from BoringSSL for Netty's OpenSSL engines; for other engines
     * {@link #sessionReused()} is empty and the cipher name is converted from the Java name.
     *
     * @param engine an engine whose handshake finished
     * @return the connection's info
     * @throws TlsException ({@code BAD_CONFIGURATION}) when the handshake has not finished
     */
    public static TlsConnectionInfo of(SSLEngine engine) throws TlsException {
        return new TlsConnectionInfo(engine, engine.getSession(), engine.getApplicationProtocol(), null, null);
    }

    /**
     * The connection info of a session alone. A session does not know whether it was resumed or
     * which ALPN protocol was chosen: {@link #sessionReused()} is empty and {@link #alpn()} null.
     *
     * @param session the session
     * @return the session's info
     * @throws TlsException ({@code BAD_CONFIGURATION}) when the session's handshake has not finished
     */
    public static TlsConnectionInfo of(SSLSession session) throws TlsException {
        return new TlsConnectionInfo(null, session, null, null, null);
    }

    /**
     * {@return the cipher in OpenSSL's name, as BoringSSL negotiated it, e.g. {@code TLS_AES_128_GCM_SHA256} or
     * {@code ECDHE-ECDSA-AES128-GCM-SHA256}: {@code get_cipher}}
     */
    public String cipher() {
        return cipher;
    }

    /** {@return the cipher in the JDK's (IANA) name, e.g. {@code TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}} */
    public String javaCipher() {
        return javaCipher;
    }

    /** {@return the protocol as the JDK names it: {@code TLSv1.3}, {@code TLSv1.2}} */
    public String protocol() {
        return protocol;
    }

    /**
     * {@return the protocol version ({@code get_sslversion}, whose {@code TLSv1_3} is {@code
     * tlsVersion().referenceName()}, and {@code get_sslversion_int}, {@code wireVersion()}); {@code null} for a
     * version netty-tls does not know (SSLv3, which BoringSSL does not speak)}
     */
    public TlsVersion tlsVersion() {
        return TlsVersion.ofJavaName(protocol);
    }

    /**
     * {@return whether the session was resumed rather than negotiated in full: {@code get_session_reused}} Exact
     * (from BoringSSL) for Netty's OpenSSL engines; empty where the engine does not say.
     */
    public Optional<Boolean> sessionReused() {
        return Optional.ofNullable(sessionReused);
    }

    /**
     * {@return the peer's certificate, or {@code null} when it sent none (a client without certificate): {@code
     * peer_certificate}}
     */
    public X509Certificate peerCertificate() {
        return peerChain.isEmpty() ? null : peerChain.get(0);
    }

    /** {@return the chain the peer sent, its own certificate first (on both sides): {@code peer_certificates}} */
    public List<X509Certificate> peerCertificates() {
        return peerChain;
    }

    /** {@return our own certificate, or {@code null} when we sent none: {@code sock_certificate}} */
    public X509Certificate localCertificate() {
        return localChain.isEmpty() ? null : localChain.get(0);
    }

    /** {@return the chain we sent, our certificate first} */
    public List<X509Certificate> localCertificates() {
        return localChain;
    }

    /**
     * {@return the peer certificate's subject as {@code /C=../O=../CN=..}, or null: {@code
     * peer_certificate('subject')}}
     */
    public String subject() {
        X509Certificate c = peerCertificate();
        return c == null ? null : CertificateFields.oneline(c.getSubjectX500Principal());
    }

    /**
     * {@return the peer certificate's issuer as {@code /C=../O=../CN=..}, or null: {@code
     * peer_certificate('issuer')}}
     */
    public String issuer() {
        X509Certificate c = peerCertificate();
        return c == null ? null : CertificateFields.oneline(c.getIssuerX500Principal());
    }

    /** {@return the peer certificate's first commonName, or null: {@code peer_certificate('commonName')}} */
    public String commonName() {
        X509Certificate c = peerCertificate();
        return c == null ? null : CertificateFields.commonName(c);
    }

    /**
     * {@return the peer certificate's typed subjectAltNames (empty without one): {@code
     * peer_certificate('subjectAltNames')}}
     */
    public List<SubjectAltName> subjectAltNames() {
        X509Certificate c = peerCertificate();
        return c == null ? List.of() : CertificateFields.subjectAltNames(c);
    }

    /**
     * The peer certificate's fingerprint as {@code algo$hex} ({@code algo$pub$hex} for the public
     * key): {@code get_fingerprint($algo, undef, $key_only)}.
     *
     * @param algorithm {@code sha256}, {@code sha1}, {@code md5}, ...
     * @param publicKey {@code true} for the fingerprint of the public key alone
     * @return the fingerprint in the form {@code SSL_fingerprint} takes
     * @throws TlsException {@link TlsErrorCode#PEER_CERT_MISSING} when the peer sent no
     *         certificate; {@link TlsErrorCode#BAD_CONFIGURATION} for an unknown digest
     */
    public String fingerprint(String algorithm, boolean publicKey) throws TlsException {
        return Fingerprint.of(requirePeer("fingerprint"), algorithm, publicKey);
    }

    /**
     * {@code sha256$hex} of the peer certificate: {@code get_fingerprint()}.
     *
     * @return the fingerprint in the form {@code SSL_fingerprint} takes
     * @throws TlsException ({@code PEER_CERT_MISSING}) when the peer sent no certificate
     */
    public String fingerprint() throws TlsException {
        return fingerprint(Fingerprint.DEFAULT_ALGORITHM, false);
    }

    /**
     * The binary peer fingerprint: {@code get_fingerprint_bin}. Throws as {@link #fingerprint(String, boolean)}.
     *
     * @param algorithm {@code sha256}, {@code sha1}, {@code md5}, ...
     * @param publicKey {@code true} for the fingerprint of the public key alone
     * @return the digest
     * @throws TlsException ({@code PEER_CERT_MISSING}) when the peer sent no certificate; ({@code
     *     BAD_CONFIGURATION}) for an unknown algorithm
     */
    public byte[] fingerprintBinary(String algorithm, boolean publicKey) throws TlsException {
        return Fingerprint.binary(requirePeer("fingerprint"), algorithm, publicKey);
    }

    /**
     * Whether the peer's certificate is valid for {@code name} under the predefined scheme
     * {@code scheme} ({@code http}, {@code smtp}, {@code ldap}, ...), with the built-in public
     * suffix list: {@code verify_hostname($name, $scheme)}. An on-demand check of any name; it
     * neither repeats nor changes what the handshake verified.
     *
     * @param name the name to check
     * @param scheme a predefined scheme's name
     * @return whether the certificate is valid for the name
     * @throws TlsException {@link TlsErrorCode#BAD_CONFIGURATION} for an unknown scheme;
     *         {@link TlsErrorCode#PEER_CERT_MISSING} when the peer sent no certificate
     */
    public boolean verifyHostname(String name, String scheme) throws TlsException {
        return verifyHostname(name, HostnameScheme.named(Objects.requireNonNull(scheme, "scheme")));
    }

    /**
     * As {@link #verifyHostname(String, String)}, under any scheme, custom ones included.
     *
     * @param name the name to check
     * @param scheme the scheme
     * @return whether the certificate is valid for the name
     * @throws TlsException ({@code PEER_CERT_MISSING}) when the peer sent no certificate
     */
    public boolean verifyHostname(String name, HostnameScheme scheme) throws TlsException {
        return verifyHostname(name, scheme, PublicSuffix.builtIn());
    }

    /**
     * As {@link #verifyHostname(String, String)}, with the public suffix list {@code suffixes}
     * ({@code verify_hostname($name, $scheme, $publicsuffix)}); {@link PublicSuffix#none()} skips
     * the public-suffix rule for wildcards.
     *
     * @param name the name to check
     * @param scheme the scheme
     * @param suffixes the public suffix list
     * @return whether the certificate is valid for the name
     * @throws TlsException ({@code PEER_CERT_MISSING}) when the peer sent no certificate
     */
    public boolean verifyHostname(String name, HostnameScheme scheme, PublicSuffix suffixes) throws TlsException {
        return checkHostname(name, scheme, suffixes).matched();
    }

    /**
     * The verdict of {@link #verifyHostname(String, HostnameScheme, PublicSuffix)} with its
     * explanation: the names compared, the one that matched or why none did.
     * {@link HostnameVerification.Result#toException()} turns a mismatch into an error.
     *
     * @param name the name to check
     * @param scheme the scheme
     * @param suffixes the public suffix list
     * @return the verdict with the names compared
     * @throws TlsException {@link TlsErrorCode#PEER_CERT_MISSING} when the peer sent no certificate
     */
    public HostnameVerification.Result checkHostname(String name, HostnameScheme scheme, PublicSuffix suffixes)
            throws TlsException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(suffixes, "suffixes");
        return HostnameVerification.check(name, requirePeer("verify hostname"), scheme, suffixes);
    }

    /**
     * {@return the server name of the handshake, or {@code null}: on a client the SNI name it sent, on a server the
     * name the client asked for: {@code get_servername}}
     */
    public String serverName() {
        return servername;
    }

    /**
     * {@return the key exchange group of the handshake (BoringSSL's name: {@code X25519MLKEM768}, {@code X25519},
     * {@code P-256}, ...), or {@code null} where the engine does not say or none was used (a resumed TLS 1.2
     * session)}
     */
    public String keyExchangeGroup() {
        return group;
    }

    /** {@return the protocol NPN negotiated, or {@code null}: {@code next_proto_negotiated}} */
    public String npn() {
        return npn;
    }

    /**
     * {@return the algorithm ({@code brotli}, {@code zlib}) the peer's certificate arrived compressed with (RFC
     * 8879), or empty when it came uncompressed (or not at all, as on a resumed session)}
     */
    public Optional<String> peerCertificateCompression() {
        return Optional.ofNullable(compressionReceived);
    }

    /**
     * {@return the algorithm this side's certificate went out compressed with, or empty when it went uncompressed or
     * not at all}
     */
    public Optional<String> localCertificateCompression() {
        return Optional.ofNullable(compressionSent);
    }

    /** {@return the protocol ALPN selected, or {@code null} when none was: {@code alpn_selected}} */
    public String alpn() {
        return alpn;
    }

    /**
     * {@return the OCSP verdict for the peer certificate, when an OCSP handler checked it and recorded it under
     * {@link #OCSP_STATUS}} Empty when no check ran, which today is always the case unless netty-tls-ocsp's handlers
     * are in the pipeline; empty never means "good".
     */
    public Optional<String> ocspStatus() {
        return Optional.ofNullable(ocspStatus);
    }

    /**
     * {@return what netty-tls's verification concluded about the peer: verified, or (only possible with {@code
     * SSL_verify_mode} NONE) what would have failed} Empty when the peer was not checked by netty-tls (a server that
     * did not ask for a client certificate, or a foreign context).
     */
    public Optional<PeerVerdict> verification() {
        return Optional.ofNullable(verification);
    }

    /**
     * {@return a printable, multi-line dump: the reference's {@code dump_peer_certificate} lines ({@code Subject
     * Name:}, {@code Issuer  Name:}) followed by the session's fields, always in the same order and form, one {@code
     * key: value} per line, ending with a newline}
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("Subject Name: ").append(orUndefined(subject())).append('\n');
        sb.append("Issuer  Name: ").append(orUndefined(issuer())).append('\n');
        line(sb, "Common Name", orNone(commonName()));
        line(sb, "SubjectAltNames", subjectAltNames().isEmpty() ? "(none)"
                : subjectAltNames().stream().map(Object::toString).collect(Collectors.joining(", ")));
        String fp;
        try {
            fp = peerCertificate() == null ? "(none)" : fingerprint();
        } catch (TlsException e) {
            fp = "(" + e.getMessage() + ")";
        }
        line(sb, "Fingerprint", fp);
        line(sb, "Peer chain", peerChain.size() + " certificate(s)");
        for (int i = 0; i < peerChain.size(); i++) {
            line(sb, "  " + i, CertificateFields.oneline(peerChain.get(i).getSubjectX500Principal()));
        }
        line(sb, "Own certificate", localCertificate() == null ? "(none)"
                : CertificateFields.oneline(localCertificate().getSubjectX500Principal()));
        line(sb, "Version", tlsVersion() == null ? protocol : tlsVersion().referenceName() + String.format(" (0x%04x)", tlsVersion().wireVersion()));
        line(sb, "Cipher", cipher);
        line(sb, "Session reused", sessionReused == null ? "(unknown)" : sessionReused ? "yes" : "no");
        line(sb, "Server name", orNone(servername));
        line(sb, "ALPN", orNone(alpn));
        line(sb, "Key exchange group", orNone(group));
        line(sb, "Verification", verification == null ? "(not checked)" : verification.toString());
        line(sb, "OCSP status", ocspStatus == null ? "(not checked)" : ocspStatus);
        return sb.toString();
    }

    @Override
    public String toString() {
        return "TlsConnectionInfo[" + (tlsVersion() == null ? protocol : tlsVersion().referenceName()) + " " + cipher + ", peer " + orNone(subject()) + "]";
    }

    private X509Certificate requirePeer(String what) throws TlsException {
        X509Certificate c = peerCertificate();
        if (c == null) {
            throw new TlsException(TlsErrorCode.PEER_CERT_MISSING, what + ": the peer sent no certificate");
        }
        return c;
    }

    private static void line(StringBuilder sb, String key, String value) {
        sb.append(key).append(": ").append(value).append('\n');
    }

    private static String orNone(String s) {
        return s == null ? "(none)" : s;
    }

    private static String orUndefined(String s) {
        return s == null ? "undefined" : s;
    }

    /**
     * The OpenSSL name for a Java cipher name, for engines that do not tell the native name.
     * TLS 1.3 suites carry the same name in both worlds; Netty's converter knows the rest.
     */
    static String openSslCipherName(String javaCipher) {
        String name = CipherSuiteConverter.toOpenSsl(javaCipher, false);
        return name != null ? name : javaCipher;
    }

    private static List<X509Certificate> peerCertificates(SSLSession session) {
        try {
            return x509(session.getPeerCertificates());
        } catch (SSLPeerUnverifiedException e) {
            // No certificate from the peer: a client that was not asked for one, or sent none.
            return List.of();
        }
    }

    private static List<X509Certificate> x509(Certificate[] certificates) {
        if (certificates == null) {
            return List.of();
        }
        List<X509Certificate> out = new ArrayList<>();
        for (Certificate c : certificates) {
            if (c instanceof X509Certificate) {
                out.add((X509Certificate) c);
            }
        }
        return List.copyOf(out);
    }

    private static String requestedServerName(SSLSession session) {
        if (!(session instanceof ExtendedSSLSession)) {
            return null;
        }
        for (SNIServerName n : ((ExtendedSSLSession) session).getRequestedServerNames()) {
            if (n instanceof SNIHostName) {
                return ((SNIHostName) n).getAsciiName();
            }
        }
        return null;
    }
}
