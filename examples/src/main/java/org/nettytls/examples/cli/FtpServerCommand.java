package org.nettytls.examples.cli;

import io.netty.channel.socket.SocketChannel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import org.nettytls.TlsException;
import org.nettytls.examples.starttls.FtpServer;
import org.nettytls.sni.SniMapping;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ftp-server}: FTP with AUTH TLS, PROT P data connections that resume the control session, and CCC. */
@Command(name = "ftp-server", description = {
    "Serve FTP with explicit TLS (RFC 4217): AUTH TLS, PBSZ, PROT P, PASV/EPSV, LIST/NLST, RETR, STOR and CCC.",
    "It serves the files of --root to one user. Logging in needs TLS; data connections need PROT P unless "
            + "--allow-clear-data, and resume the control connection's TLS session (required with --require-ssl-reuse). "
            + "Prints one line per control connection's TLS and per data connection."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls ftp-server --listen 127.0.0.1:2121 \\",
        "      --cert default=ftp.pem,ftp.key --root files --user demo:secret",
        "  lftp -u demo,secret -e 'set ssl:ca-file ca.pem; ls; bye' ftp://localhost:2121"})
final class FtpServerCommand extends StartTlsServerCommand {
    @Option(names = "--root", paramLabel = "DIR", required = true, description = "The folder served; nothing outside it can be named.")
    Path root;

    @Option(names = "--user", paramLabel = "NAME:PASSWORD", required = true, description = "The one user who may log in.")
    String user;

    @Option(names = "--require-ssl-reuse", description = "Refuse a PROT P data connection whose TLS session is not the control "
            + "connection's, resumed (vsftpd's require_ssl_reuse).")
    boolean requireReuse;

    @Option(names = "--allow-clear-data", description = "Allow PROT C: data connections in plaintext.")
    boolean allowClearData;

    @Option(names = "--data-timeout", paramLabel = "SECONDS", defaultValue = "30", description = "How long a passive port waits for its connection (default 30).")
    int dataTimeout;

    @Override
    void check() {
        if (user.indexOf(':') <= 0) {
            throw UsageException.of("--user", "'" + user + "': expected NAME:PASSWORD");
        }
    }

    @Override
    Server server(SniMapping tls, PrintWriter out) throws TlsException {
        int colon = user.indexOf(':');
        FtpServer ftp;
        try {
            ftp = new FtpServer(tls, root, user.substring(0, colon), user.substring(colon + 1),
                    requireReuse ? FtpServer.SessionReuse.REQUIRE : FtpServer.SessionReuse.ALLOW, allowClearData,
                    Duration.ofSeconds(Math.max(1, dataTimeout)), out);
        } catch (java.io.IOException e) {
            throw TlsException.badConfiguration("--root", e.getMessage());
        }
        return new Server() {
            @Override
            public void initChannel(SocketChannel ch) {
                ftp.initChannel(ch);
            }

            @Override
            public void close() {
                ftp.close();
            }
        };
    }
}
