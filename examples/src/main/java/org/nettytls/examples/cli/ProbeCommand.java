package org.nettytls.examples.cli;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.starttls.StartTlsClient;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.VerifyMode;
import org.nettytls.cert.Fingerprint;
import org.nettytls.info.TlsConnectionInfo;
import org.nettytls.ocsp.OcspClientConfig;
import org.nettytls.ocsp.OcspMode;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.HostnameVerification;
import org.nettytls.verify.PeerVerdict;
import org.nettytls.verify.PublicSuffix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code probe HOST:PORT}: connects like a careful client and reports what it found, for the
 * questions people otherwise ask {@code openssl s_client} and {@code analyze-ssl.pl}.
 */
@Command(name = "probe", description = {
    "Connect like a careful client and report the chain, the trust and hostname verdicts, protocol, cipher, ALPN and session.",
    "The name checked is --name, else --servername unless --no-sni, else HOST; a mismatch fails the handshake.",
    "Exit 0 when the connection and every check succeeded, 1 when one failed, 2 for bad options or files."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls probe example.org:443",
        "  netty-tls probe 127.0.0.1:8443 --servername www.example.org --ca ca.pem \\",
        "      --ocsp must-staple",
        "  netty-tls probe mail.example.org:25 --starttls smtp --enumerate --json",
        "  netty-tls probe 10.0.0.5:443 --fingerprint 'sha256$pub$4f0c...'"})
final class ProbeCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "HOST:PORT", description = "Where to connect; [v6::addr]:port for IPv6.")
    String target;

    @Option(names = "--servername", paramLabel = "N", description = "SNI name to send (SSL_hostname); default: HOST unless it is an IP address.")
    String serverName;

    @Option(names = "--no-sni", description = "Send no SNI.")
    boolean noSni;

    @Option(names = "--ca", paramLabel = "FILE_OR_DIR", description = "CA file or directory (SSL_ca_file / SSL_ca_path); repeatable. Default: the system's CAs.")
    List<Path> cas = new ArrayList<>();

    @Option(names = "--scheme", paramLabel = "S", description = "SSL_verifycn_scheme: default (the default), http, smtp, ldap, sip, none, ..., "
            + "or custom:check_cn=..,wildcards_in_alt=..,wildcards_in_cn=..,ip_in_cn=..")
    String scheme;

    @Option(names = "--name", paramLabel = "N", description = "SSL_verifycn_name: the name the certificate must carry, instead of the SNI name or HOST.")
    String verifyName;

    @Option(names = "--public-suffix", paramLabel = "FILE|none",
            description = "SSL_verifycn_publicsuffix: a public suffix list file, or none; default: the built-in list.")
    String publicSuffix;

    @Option(names = "--fingerprint", paramLabel = "FP", description = "SSL_fingerprint: algo$hex, algo$pub$hex or bare hex; repeatable. "
            + "A match accepts the server even when its chain or name would fail.")
    List<String> fingerprints = new ArrayList<>();

    @Option(names = "--force-fingerprint", description = "SSL_force_fingerprint: only a pinned fingerprint accepts the server.")
    boolean forceFingerprint;

    @Option(names = "--crl", paramLabel = "FILE", description = "SSL_crl_file: check the server's certificate against "
            + "every CRL in FILE (repeatable); with --ca DIR its NNNNNNNN.r0 files count too.")
    List<Path> crls = new ArrayList<>();

    @Option(names = "--crl-full-chain", description = "Check CRLs for every certificate of the chain, not only the server's.")
    boolean crlFullChain;

    @Option(names = "--ocsp", paramLabel = "no-staple|try-staple|must-staple", description = "SSL_ocsp_mode: whether to ask "
            + "for the server's stapled OCSP response and whether it must come; default try-staple (no-staple with --verify none).")
    String ocspMode;

    @Option(names = "--ocsp-fail-hard", description = "SSL_OCSP_FAIL_HARD: without a good OCSP answer the probe fails.")
    boolean ocspFailHard;

    @Option(names = "--ocsp-full-chain", description = "SSL_OCSP_FULL_CHAIN: ask the responders about every certificate "
            + "of the chain (implies --ocsp-resolve).")
    boolean ocspFullChain;

    @Option(names = "--ocsp-resolve", description = "Ask the server's OCSP responder when no good staple came (ocsp_resolver).")
    boolean ocspResolve;

    @Option(names = "--verify", paramLabel = "peer|none", defaultValue = "peer", description = "Verify the server (default) or not (SSL_verify_mode).")
    String verify;

    @Option(names = "--version", paramLabel = "SPEC", description = "Protocol versions in SSL_version syntax, e.g. TLSv1_2 or SSLv23:!TLSv1_3.")
    String version;

    @Option(names = "--cipher", paramLabel = "LIST", description = "OpenSSL cipher string (SSL_cipher_list).")
    String cipher;

    @Option(names = "--alpn", paramLabel = "LIST", split = ",", description = "ALPN protocols to offer, comma-separated.")
    List<String> alpn = new ArrayList<>();

    @Option(names = "--cert", paramLabel = "FILE", description = "Client certificate (SSL_cert_file); PEM, DER or PKCS#12.")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "Client key (SSL_key_file), when not in --cert.")
    Path key;

    @Option(names = "--password", paramLabel = "PW", description = "Password of an encrypted key or PKCS#12 file.")
    String password;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10", description = "Connect and handshake timeout (default 10).")
    int timeoutSeconds;

    @Option(names = "--starttls", paramLabel = "PROTO", description = "Talk PROTO up to its upgrade point first: "
            + "smtp, lmtp, imap, pop3, ftp, xmpp, ldap, postgres, sieve, nntp. The hostname scheme defaults to the protocol's. "
            + "Fails when the server does not offer the upgrade or answers with anything else.")
    String starttls;

    @Option(names = "--reconnect", paramLabel = "N", defaultValue = "0",
            description = "Connect N more times with the same session cache and report whether each resumed.")
    int reconnect;

    @Option(names = "--keylog", paramLabel = "FILE",
            description = "Append the handshakes' secrets to FILE in the NSS SSLKEYLOGFILE format (for Wireshark). Debugging only.")
    Path keylog;

    @Option(names = "--enumerate", description = {"Also report which protocol versions the server accepts: one connection per "
        + "version, TLSv1 to TLSv1_3, each offering only that version with every cipher (ALL, or --cipher) and verification off."})
    boolean enumerate;

    @Option(names = "--no-cert-compression", description = "Do not offer certificate compression (RFC 8879; offered by default: "
            + "brotli where available, zlib), so the server's certificate arrives uncompressed.")
    boolean noCertCompression;

    @Option(names = "--json", description = "Print the report as JSON (schema in README.md).")
    boolean json;

    /** The versions --enumerate tries, oldest first; BoringSSL has no SSLv3. */
    static final List<String> VERSIONS = List.of("TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3");

    @Override
    public Integer call() throws Exception {
        HostPort hp = HostPort.parse(target);
        StartTlsProtocol protocol = starttls == null ? null : StartTlsProtocol.of(starttls);
        HostnameScheme hostnameScheme = scheme != null ? HostnameOptions.scheme(scheme)
                : protocol != null ? protocol.hostnameScheme() : HostnameScheme.defaultScheme();
        PublicSuffix suffixes = HostnameOptions.suffixes(publicSuffix);
        OcspClientConfig ocsp = ocsp();
        TlsClientOptions options = options(hostnameScheme, suffixes, ocsp);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("target", hp.toString());
        PrintWriter out = spec.commandLine().getOut();
        try {
            TlsClientContext tls = TlsClientContext.create(options);
            TlsConnectionInfo info = connect(hp, tls, protocol, reconnect > 0);
            report.put("ok", true);
            describe(info, report);
            report.put("ocsp", info.ocspStatus().orElse("not checked"));
            report.put("crl", crl(info.peerCertificates()));
            if (reconnect > 0) {
                List<Object> again = new ArrayList<>();
                for (int i = 0; i < reconnect; i++) {
                    again.add(connect(hp, tls, protocol, true).sessionReused().orElse(null));
                }
                report.put("reconnects", again);
            }
            report.put("hostname", hostname(info, expectedName(hp), hostnameScheme, suffixes));
            if (enumerate) {
                report.put("versions", enumerate(hp, protocol));
            }
            out.print(json ? Json.write(report) : text(report));
            out.flush();
            return Main.OK;
        } catch (TlsException e) {
            if (!json) {
                throw e;
            }
            report.put("ok", false);
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", e.code().id());
            error.put("message", e.getMessage());
            report.put("error", error);
            out.print(Json.write(report));
            out.flush();
            return Main.isInputError(e.code()) ? Main.USAGE : Main.FAILURE;
        }
    }

    /** The OCSP settings of --ocsp and its flags. */
    private OcspClientConfig ocsp() throws TlsException {
        OcspMode mode;
        String m = ocspMode != null ? ocspMode : "none".equals(verify) ? "no-staple" : "try-staple";
        switch (m) {
            case "no-staple":
                mode = OcspMode.NO_STAPLE;
                break;
            case "try-staple":
                mode = OcspMode.TRY_STAPLE;
                break;
            case "must-staple":
                mode = OcspMode.MUST_STAPLE;
                break;
            default:
                throw TlsException.badConfiguration("--ocsp", "'" + m + "' is not no-staple, try-staple or must-staple");
        }
        return OcspClientConfig.builder().mode(mode).failHard(ocspFailHard).fullChain(ocspFullChain)
                .resolve(ocspResolve || ocspFullChain).timeout(java.time.Duration.ofSeconds(Math.max(1, timeoutSeconds / 2)))
                .build();
    }

    private TlsClientOptions options(HostnameScheme hostnameScheme, PublicSuffix suffixes, OcspClientConfig ocsp)
            throws TlsException {
        TlsClientOptions.Builder b = ocsp.applyTo(TlsClientOptions.builder());
        b.verifycnScheme(hostnameScheme).verifycnPublicSuffix(suffixes);
        if (verifyName != null) {
            b.verifycnName(verifyName);
        }
        if (!fingerprints.isEmpty()) {
            b.fingerprint(fingerprints.toArray(new String[0]));
        }
        b.forceFingerprint(forceFingerprint);
        for (Path crl : crls) {
            b.crlFile(crl);
        }
        if (crlFullChain) {
            b.checkCrl(true).crlFullChain(true);
        }
        switch (verify) {
            case "peer":
                b.verifyMode(VerifyMode.PEER);
                break;
            case "none":
                b.verifyMode(VerifyMode.NONE);
                break;
            default:
                throw TlsException.badConfiguration("--verify", "'" + verify + "' is not peer or none");
        }
        for (Path ca : cas) {
            if (Files.isDirectory(ca)) {
                b.caPath(ca);
            } else {
                b.caFile(ca);
            }
        }
        if (noSni) {
            b.serverName("");
        } else if (serverName != null) {
            b.serverName(serverName);
        }
        if (version != null) {
            b.version(version);
        }
        if (cipher != null) {
            b.cipherList(cipher);
        }
        if (!alpn.isEmpty()) {
            b.alpnProtocols(alpn);
        }
        b.certificateCompression(!noCertCompression);
        if (cert != null) {
            b.certificateFile(cert, key);
        } else if (key != null) {
            throw TlsException.badConfiguration("--key", "needs --cert");
        }
        if (password != null) {
            b.passwordCallback(org.nettytls.cert.PasswordCallback.of(password));
        }
        b.handshakeTimeout(java.time.Duration.ofSeconds(timeoutSeconds));
        if (keylog != null) {
            b.keyLogFile(keylog);
        }
        return b.build();
    }

    /** Connects once; with {@code awaitTicket}, gives the server a moment to send a TLS 1.3 ticket before closing. */
    private TlsConnectionInfo connect(HostPort hp, TlsClientContext tls, StartTlsProtocol protocol,
                                      boolean awaitTicket) throws TlsException, InterruptedException {
        // Completes with the handshake event that passes the OCSP handler, which holds it until its verdict.
        java.util.concurrent.CompletableFuture<Throwable> verdict = new java.util.concurrent.CompletableFuture<>();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AtomicReference<TlsException> setupFailure = new AtomicReference<>();
        AtomicReference<StartTlsClient> upgrade = new AtomicReference<>();
        // Kept here: a server that closes at once takes the handler out of the pipeline before we look.
        AtomicReference<SslHandler> direct = new AtomicReference<>();
        try {
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutSeconds * 1000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            try {
                                if (protocol == null) {
                                    direct.set(tls.install(ch.pipeline(), hp.host, hp.port));
                                } else {
                                    // The same install path as above: StartTlsHandler.startClient adds every check.
                                    upgrade.set(new StartTlsClient(protocol, tls, hp.host, hp.port));
                                    ch.pipeline().addLast(new StartTlsHandler(protocol.clientFraming()), upgrade.get());
                                }
                                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt instanceof SslHandshakeCompletionEvent) {
                                            verdict.complete(((SslHandshakeCompletionEvent) evt).cause());
                                        }
                                        ctx.fireUserEventTriggered(evt);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ctx.close();
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        verdict.complete(new java.nio.channels.ClosedChannelException());
                                        ctx.fireChannelInactive();
                                    }
                                });
                            } catch (TlsException e) {
                                setupFailure.set(e);
                                ch.close();
                            }
                        }
                    });
            ChannelFuture connected = b.connect(hp.host, hp.port);
            if (!connected.await(timeoutSeconds + 1L, TimeUnit.SECONDS) || !connected.isSuccess()) {
                if (setupFailure.get() != null) {
                    throw setupFailure.get();
                }
                Throwable cause = connected.cause();
                throw new TlsException(TlsErrorCode.CONNECTION_FAILED, "cannot connect to " + hp + ": "
                        + (cause == null ? "timed out after " + timeoutSeconds + " s" : cause.getMessage()), cause);
            }
            Channel ch = connected.channel();
            Future<Channel> handshake = protocol == null ? direct.get().handshakeFuture() : upgrade.get().upgradeFuture();
            if (!handshake.await(timeoutSeconds + 2L, TimeUnit.SECONDS)) {
                throw new TlsException(TlsErrorCode.HANDSHAKE_TIMEOUT, "no handshake with " + hp + " within "
                        + timeoutSeconds + " s");
            }
            if (!handshake.isSuccess()) {
                throw TlsException.classify(handshake.cause());
            }
            Throwable refused;
            try {
                refused = verdict.get(timeoutSeconds + 2L, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new TlsException(TlsErrorCode.HANDSHAKE_TIMEOUT, "no OCSP verdict on " + hp + " within "
                        + timeoutSeconds + " s", e);
            }
            if (refused != null) {
                throw TlsException.classify(refused);
            }
            SslHandler ssl = direct.get() != null ? direct.get() : ch.pipeline().get(SslHandler.class);
            TlsConnectionInfo info;
            try {
                info = TlsConnectionInfo.of(ch);
            } catch (TlsException closedMeanwhile) {
                // A server may close right after the handshake (refusing our certificate, say).
                if (ssl == null) {
                    throw closedMeanwhile;
                }
                info = TlsConnectionInfo.of(ssl);
            }
            if (awaitTicket) {
                awaitSession(tls, hp);
            }
            ch.close().await(2, TimeUnit.SECONDS);
            return info;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /**
     * One connection per version with only that version offered, every cipher (so that a TLS 1.0
     * server is not refused for want of a CBC suite) and verification off, since the question is
     * which versions the server speaks, not whether it can be trusted (the report above says that).
     */
    private List<Object> enumerate(HostPort hp, StartTlsProtocol protocol) throws TlsException, InterruptedException {
        List<Object> versions = new ArrayList<>();
        for (String v : VERSIONS) {
            TlsClientOptions.Builder b = TlsClientOptions.builder().verifyMode(VerifyMode.NONE).version(v)
                    .cipherList(cipher != null ? cipher : "ALL").handshakeTimeout(java.time.Duration.ofSeconds(timeoutSeconds));
            if (noSni) {
                b.serverName("");
            } else if (serverName != null) {
                b.serverName(serverName);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", v);
            try {
                TlsConnectionInfo info = connect(hp, TlsClientContext.create(b.build()), protocol, false);
                m.put("accepted", true);
                m.put("cipher", info.cipher());
                m.put("error", null);
            } catch (TlsException e) {
                if (e.code() == TlsErrorCode.CONNECTION_FAILED || Main.isInputError(e.code())) {
                    throw e;
                }
                m.put("accepted", false);
                m.put("cipher", null);
                Map<String, Object> error = new LinkedHashMap<>();
                error.put("code", e.code().id());
                error.put("message", e.getMessage());
                m.put("error", error);
            }
            versions.add(m);
        }
        return versions;
    }

    /**
     * What the CRLs given with --crl say about the certificates the handshake checked (the
     * server's, or with --crl-full-chain all but the root): the handshake already refused a
     * revoked one unless a fingerprint pin accepted it, which this report then still shows.
     */
    private Map<String, Object> crl(List<X509Certificate> chain) throws TlsException {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean checked = !crls.isEmpty() || crlFullChain;
        m.put("checked", checked);
        m.put("fullChain", crlFullChain);
        List<Object> certs = new ArrayList<>();
        if (checked) {
            List<java.security.cert.X509CRL> all = new ArrayList<>();
            for (Path f : crls) {
                all.addAll(org.nettytls.cert.CertificateLoader.crls(f));
            }
            int last = crlFullChain ? chain.size() : Math.min(1, chain.size());
            for (int i = 0; i < last; i++) {
                X509Certificate c = chain.get(i);
                if (i > 0 && c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                    continue;
                }
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("depth", i);
                e.put("subject", c.getSubjectX500Principal().getName());
                java.security.cert.X509CRL from = null;
                for (java.security.cert.X509CRL crl : all) {
                    if (crl.getIssuerX500Principal().equals(c.getIssuerX500Principal())
                            && (from == null || crl.getThisUpdate().after(from.getThisUpdate()))) {
                        from = crl;
                    }
                }
                java.security.cert.X509CRLEntry entry = from == null ? null : from.getRevokedCertificate(c);
                e.put("status", from == null ? "no CRL from its issuer in the --crl files"
                        : entry == null ? "not revoked"
                        : "revoked since " + entry.getRevocationDate().toInstant()
                                + (entry.getRevocationReason() == null ? "" : " (" + entry.getRevocationReason() + ")"));
                e.put("crlNextUpdate", from == null || from.getNextUpdate() == null ? null
                        : from.getNextUpdate().toInstant().toString());
                certs.add(e);
            }
        }
        m.put("certificates", certs);
        return m;
    }

    /**
     * TLS 1.3 tickets arrive after the handshake: give the server a moment to send one before
     * closing, so the next connection can resume (a server that sends none just costs the wait).
     */
    private void awaitSession(TlsClientContext tls, HostPort hp) throws InterruptedException {
        String key = hp.host + ":" + hp.port;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (!tls.sessionCache().contains(key) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static void describe(TlsConnectionInfo info, Map<String, Object> report) throws TlsException {
        report.put("serverName", info.servername());
        report.put("protocol", info.sslVersion());
        report.put("protocolNumber", info.sslVersionInt());
        report.put("cipher", info.cipher());
        report.put("group", info.keyExchangeGroup());
        report.put("alpn", info.alpn());
        report.put("sessionReused", info.sessionReused().orElse(null));
        report.put("certificateCompression", info.peerCertificateCompression().orElse(null));
        Map<String, Object> verification = new LinkedHashMap<>();
        PeerVerdict verdict = info.verification().orElse(null);
        verification.put("verified", verdict != null && verdict.isVerified());
        if (verdict != null && !verdict.isVerified()) {
            verification.put("code", verdict.failure().code().id());
            verification.put("message", verdict.failure().getMessage());
        }
        report.put("verification", verification);
        List<Object> chain = new ArrayList<>();
        List<X509Certificate> certs = info.peerCertificates();
        for (int i = 0; i < certs.size(); i++) {
            X509Certificate c = certs.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("depth", i);
            m.put("subject", c.getSubjectX500Principal().getName());
            m.put("issuer", c.getIssuerX500Principal().getName());
            m.put("notBefore", c.getNotBefore().toInstant().toString());
            m.put("notAfter", c.getNotAfter().toInstant().toString());
            m.put("key", keyType(c.getPublicKey()));
            m.put("sha256", Fingerprint.of(c));
            chain.add(m);
        }
        report.put("chain", chain);
    }

    /** The name the client checks, resolved as {@code TlsClientContext} resolves it for the handshake. */
    String expectedName(HostPort hp) {
        if (verifyName != null) {
            return verifyName;
        }
        if (!noSni && serverName != null && !serverName.isEmpty()) {
            return serverName;
        }
        if (!noSni && !NetUtil.isValidIpV4Address(hp.host) && !NetUtil.isValidIpV6Address(hp.host) && hp.host.endsWith(".")) {
            return hp.host.substring(0, hp.host.length() - 1);
        }
        return hp.host;
    }

    /**
     * The hostname verdict on the peer's certificate, checked again on demand so the report can
     * name what was compared; with verification on, a mismatch already failed the handshake.
     */
    private Map<String, Object> hostname(TlsConnectionInfo info, String name, HostnameScheme s, PublicSuffix suffixes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("scheme", s.name());
        m.put("publicSuffixList", HostnameOptions.describe(publicSuffix, suffixes));
        try {
            HostnameVerification.Result r = info.checkHostname(name, s, suffixes);
            List<Object> names = new ArrayList<>();
            r.subjectAltNames().forEach(san -> names.add(san.toString()));
            r.commonName().ifPresent(cn -> names.add("CN=" + cn));
            m.put("certificateNames", names);
            m.put("checked", !s.isNone());
            m.put("matched", r.matched());
            m.put("matchedBy", r.matchedBy().orElse(null));
            m.put("reason", r.reason());
        } catch (TlsException e) {
            m.put("certificateNames", List.of());
            m.put("checked", false);
            m.put("matched", false);
            m.put("matchedBy", null);
            m.put("reason", e.getMessage());
        }
        return m;
    }

    static String keyType(PublicKey key) {
        if (key instanceof RSAPublicKey) {
            return "RSA " + ((RSAPublicKey) key).getModulus().bitLength();
        }
        if (key instanceof ECPublicKey) {
            int bits = ((ECPublicKey) key).getParams().getOrder().bitLength();
            return bits == 256 ? "EC P-256" : bits == 384 ? "EC P-384" : bits == 521 ? "EC P-521" : "EC " + bits + "-bit";
        }
        return key.getAlgorithm();
    }

    @SuppressWarnings("unchecked")
    private static String text(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder();
        sb.append("target:       ").append(r.get("target")).append('\n');
        sb.append("server name:  ").append(r.get("serverName") == null ? "(none sent)" : r.get("serverName")).append('\n');
        sb.append("protocol:     ").append(r.get("protocol"))
                .append(String.format(" (0x%04x)", (Integer) r.get("protocolNumber"))).append('\n');
        sb.append("cipher:       ").append(r.get("cipher")).append('\n');
        sb.append("group:        ").append(r.get("group") == null ? "(none)" : r.get("group")).append('\n');
        sb.append("alpn:         ").append(r.get("alpn") == null ? "(none)" : r.get("alpn")).append('\n');
        sb.append("certificate:  ").append(r.get("certificateCompression") == null ? "uncompressed"
                : "compressed (" + r.get("certificateCompression") + ", RFC 8879)").append('\n');
        Object reused = r.get("sessionReused");
        sb.append("session:      ").append(reused == null ? "(unknown)" : (Boolean) reused ? "reused" : "new").append('\n');
        if (r.get("reconnects") != null) {
            List<Object> again = (List<Object>) r.get("reconnects");
            for (int i = 0; i < again.size(); i++) {
                Object a = again.get(i);
                sb.append("reconnect ").append(i + 1).append(":  ").append(a == null ? "(unknown)" : (Boolean) a ? "reused" : "new")
                        .append('\n');
            }
        }
        Map<String, Object> v = (Map<String, Object>) r.get("verification");
        sb.append("verification: ").append((Boolean) v.get("verified") ? "verified"
                : "NOT verified: " + v.getOrDefault("message", "verification was off") + " ["
                        + v.getOrDefault("code", "off") + "]").append('\n');
        sb.append("ocsp:         ").append(r.get("ocsp")).append('\n');
        Map<String, Object> crl = (Map<String, Object>) r.get("crl");
        if (!(Boolean) crl.get("checked")) {
            sb.append("crl:          not checked\n");
        }
        for (Object o : (List<Object>) crl.get("certificates")) {
            Map<String, Object> c = (Map<String, Object>) o;
            sb.append("crl:          ").append(c.get("depth")).append(' ').append(c.get("subject")).append(": ")
                    .append(c.get("status")).append('\n');
        }
        Map<String, Object> h = (Map<String, Object>) r.get("hostname");
        sb.append("hostname:     ").append(h.get("name")).append(" under scheme ").append(h.get("scheme")).append(": ")
                .append(!(Boolean) h.get("checked") ? "not checked (" + h.get("reason") + ")"
                        : (Boolean) h.get("matched") ? "matched by " + h.get("matchedBy")
                        : "NOT matched: " + h.get("reason")).append('\n');
        List<Object> names = (List<Object>) h.get("certificateNames");
        sb.append("  cert names: ").append(names.isEmpty() ? "(none)" : String.join(", ", names.stream().map(String::valueOf).toList()))
                .append('\n');
        sb.append("  suffixes:   ").append(h.get("publicSuffixList")).append('\n');
        if (r.get("versions") != null) {
            sb.append("versions:     one connection each, verification off\n");
            for (Object o : (List<Object>) r.get("versions")) {
                Map<String, Object> version = (Map<String, Object>) o;
                Map<String, Object> error = (Map<String, Object>) version.get("error");
                sb.append(String.format("  %-10s  ", version.get("version") + ":")).append((Boolean) version.get("accepted")
                        ? "accepted (" + version.get("cipher") + ")"
                        : "refused: " + error.get("message") + " [" + error.get("code") + "]").append('\n');
            }
        }
        sb.append("chain:\n");
        for (Object o : (List<Object>) r.get("chain")) {
            Map<String, Object> c = (Map<String, Object>) o;
            sb.append("  ").append(c.get("depth")).append(" subject: ").append(c.get("subject")).append('\n');
            sb.append("    issuer:  ").append(c.get("issuer")).append('\n');
            sb.append("    valid:   ").append(c.get("notBefore")).append(" to ").append(c.get("notAfter")).append('\n');
            sb.append("    key:     ").append(c.get("key")).append('\n');
            sb.append("    ").append(c.get("sha256")).append('\n');
        }
        return sb.toString();
    }

    /** {@code host:port} or {@code [v6]:port}. */
    static final class HostPort {
        final String host;
        final int port;

        HostPort(String host, int port) {
            this.host = host;
            this.port = port;
        }

        static HostPort parse(String s) throws TlsException {
            String host;
            String port;
            if (s.startsWith("[")) {
                int end = s.indexOf("]:");
                if (end < 0) {
                    throw TlsException.badConfiguration("HOST:PORT", "'" + s + "' is not [address]:port");
                }
                host = s.substring(1, end);
                port = s.substring(end + 2);
            } else {
                int colon = s.lastIndexOf(':');
                if (colon <= 0 || s.indexOf(':') != colon) {
                    throw TlsException.badConfiguration("HOST:PORT", "'" + s + "' is not host:port");
                }
                host = s.substring(0, colon);
                port = s.substring(colon + 1);
            }
            try {
                int p = Integer.parseInt(port);
                if (p < 1 || p > 65535) {
                    throw new NumberFormatException();
                }
                return new HostPort(host, p);
            } catch (NumberFormatException e) {
                throw TlsException.badConfiguration("HOST:PORT", "'" + port + "' in '" + s + "' is not a port from 1 to 65535");
            }
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }
}
