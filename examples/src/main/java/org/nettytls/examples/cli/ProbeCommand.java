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
import io.netty.util.NetUtil;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsException;
import org.nettytls.VerifyMode;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.examples.HostPort;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.starttls.StartTlsClient;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.cert.Fingerprint;
import org.nettytls.ocsp.OcspClientConfig;
import org.nettytls.ocsp.OcspMode;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.PublicSuffix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code probe HOST:PORT}: connects like a careful client and reports what it found, for the
 * questions people otherwise ask {@code openssl s_client} and {@code analyze-ssl.pl}. This class
 * is the options and their translation into {@link TlsClientOptions}; {@link Prober} connects and
 * {@link ProbeReport} says what was found, as text or JSON.
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
    HostPort target;

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

    @Option(names = "--profile", paramLabel = "default|webpki", defaultValue = "default", description = "Validation profile: "
            + "default (IO::Socket::SSL-compatible identity plus the security floor) or webpki (adds the CA/Browser Forum "
            + "Baseline Requirements' certificate profile; identity from the subjectAltName alone).")
    String profile;

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

    @Option(names = "--json", description = "Print the report as JSON (schema in docs/command-line.md).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (target.port() == 0) {
            throw UsageException.of("HOST:PORT", "port 0 is for listening; expected the port to connect to, found '" + target + "'");
        }
        StartTlsProtocol protocol = starttls == null ? null : StartTlsProtocol.of(starttls);
        HostnameScheme hostnameScheme = scheme != null ? HostnameOptions.scheme(scheme)
                : protocol != null ? protocol.hostnameScheme() : HostnameScheme.DEFAULT;
        PublicSuffix suffixes = HostnameOptions.suffixes(publicSuffix);
        OcspClientConfig ocsp = ocsp();
        TlsClientOptions options = options(hostnameScheme, suffixes, ocsp);
        ProbeReport report = new ProbeReport(target, options.validationProfile());
        Prober prober = new Prober(target, protocol, timeoutSeconds);
        PrintWriter out = spec.commandLine().getOut();
        try {
            TlsClientContext tls = TlsClientContext.create(options);
            TlsConnectionInfo info = prober.connect(tls, reconnect > 0);
            report.connected(info);
            report.ocsp(info.ocspStatus().orElse("not checked"));
            boolean crlChecked = !crls.isEmpty() || crlFullChain;
            List<X509CRL> crlsRead = new ArrayList<>();
            for (Path f : crls) {
                crlsRead.addAll(CertificateLoader.crls(f));
            }
            report.crl(info.peerCertificates(), crlChecked, crlFullChain, crlsRead);
            if (reconnect > 0) {
                List<Boolean> again = new ArrayList<>();
                for (int i = 0; i < reconnect; i++) {
                    again.add(prober.connect(tls, true).sessionReused().orElse(null));
                }
                report.reconnects(again);
            }
            report.hostname(info, expectedName(), hostnameScheme, suffixes, publicSuffix);
            if (enumerate) {
                report.versions(prober.enumerate(cipher, this::serverName));
            }
            out.print(json ? report.json() : report.text());
            out.flush();
            return Main.OK;
        } catch (TlsException e) {
            if (!json) {
                throw e;
            }
            report.failed(e);
            out.print(report.json());
            out.flush();
            return Main.isInputError(e.code()) ? Main.USAGE : Main.FAILURE;
        }
    }

    /** The server name to send, as --servername and --no-sni say (the default: HOST unless it is an address). */
    private TlsClientOptions.Builder serverName(TlsClientOptions.Builder b) {
        if (noSni) {
            b.serverName("");
        } else if (serverName != null) {
            b.serverName(serverName);
        }
        return b;
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
                throw UsageException.of("--ocsp", "'" + m + "' is not no-staple, try-staple or must-staple");
        }
        return OcspClientConfig.builder().mode(mode).failHard(ocspFailHard).fullChain(ocspFullChain)
                .resolve(ocspResolve || ocspFullChain).timeout(java.time.Duration.ofSeconds(Math.max(1, timeoutSeconds / 2)))
                .build();
    }

    private TlsClientOptions options(HostnameScheme hostnameScheme, PublicSuffix suffixes, OcspClientConfig ocsp)
            throws TlsException {
        TlsClientOptions.Builder b = ocsp.applyTo(TlsClientOptions.builder());
        b.hostnameScheme(hostnameScheme).publicSuffix(suffixes);
        switch (profile) {
            case "default":
                b.validationProfile(org.nettytls.verify.ValidationProfile.DEFAULT);
                break;
            case "webpki":
                b.validationProfile(org.nettytls.verify.ValidationProfile.WEBPKI);
                break;
            default:
                throw UsageException.of("--profile", "'" + profile + "' is not default or webpki");
        }
        if (verifyName != null) {
            b.peerName(verifyName);
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
                throw UsageException.of("--verify", "'" + verify + "' is not peer or none");
        }
        for (Path ca : cas) {
            if (Files.isDirectory(ca)) {
                b.caPath(ca);
            } else {
                b.caFile(ca);
            }
        }
        serverName(b);
        if (version != null) {
            b.protocols(version);
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
            throw UsageException.of("--key", "needs --cert");
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

    /** The name the client checks, resolved as {@code TlsClientContext} resolves it for the handshake. */
    String expectedName() {
        String host = target.host();
        if (verifyName != null) {
            return verifyName;
        }
        if (!noSni && serverName != null && !serverName.isEmpty()) {
            return serverName;
        }
        if (!noSni && !NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host) && host.endsWith(".")) {
            return host.substring(0, host.length() - 1);
        }
        return host;
    }
}
