package org.nettytls.examples.starttls;

import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLSessionContext;
import io.netty.handler.ssl.OpenSslSessionContext;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import java.time.Duration;
import java.util.Objects;
import java.nio.charset.StandardCharsets;
import org.nettytls.sni.SniLookup;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsHandler;

/**
 * The {@code ftp-server} example (RFC 959 with RFC 4217's FTPS): explicit TLS with
 * {@code AUTH TLS}, one user, files from one folder, passive data connections over TLS that
 * resume the control connection's session, and {@code CCC}. What every connection shares;
 * {@link #initChannel} sets up one control connection.
 */
public final class FtpServer implements AutoCloseable {
    /** Whether a {@code PROT P} data connection must resume the control connection's TLS session. */
    public enum SessionReuse {
        /** Any TLS session will do; the log says whether it was the control connection's. */
        ALLOW,
        /**
         * Only the control connection's session, resumed (vsftpd's {@code require_ssl_reuse}): a
         * data connection that a third party opened cannot have it, so it cannot take the file.
         */
        REQUIRE;

        /** Why a data connection's session is refused, or null when it may carry data. */
        String judge(boolean resumed) {
            return this == ALLOW || resumed ? null
                    : "expected the data connection to resume the control connection's TLS session, found a new session";
        }
    }

    private final SniLookup tls;
    private final FtpPaths paths;
    private final String user;
    private final byte[] password;
    private final SessionReuse sessionReuse;
    private final boolean allowClearData;
    private final Duration dataTimeout;
    private final PrintWriter log;
    private final EventExecutorGroup files = new DefaultEventExecutorGroup(2);

    /**
     * @param tls the certificates, by requested name
     * @param allowClearData whether {@code PROT C} (data in plaintext) is allowed
     */
    public FtpServer(SniLookup tls, Path root, String user, String password, SessionReuse sessionReuse,
            boolean allowClearData, Duration dataTimeout, PrintWriter log) throws IOException {
        this.tls = Objects.requireNonNull(tls, "tls");
        this.paths = new FtpPaths(root);
        this.user = Objects.requireNonNull(user, "user");
        this.password = password.getBytes(StandardCharsets.UTF_8);
        this.sessionReuse = Objects.requireNonNull(sessionReuse, "sessionReuse");
        this.allowClearData = allowClearData;
        this.dataTimeout = Objects.requireNonNull(dataTimeout, "dataTimeout");
        this.log = Objects.requireNonNull(log, "log");
    }

    /** The pipeline of one control connection. */
    public void initChannel(SocketChannel ch) {
        StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
        ch.pipeline().addLast(starttls, new LineBasedFrameDecoder(8192), new FtpControlHandler(this, starttls));
    }

    SniLookup tls() {
        return tls;
    }

    FtpPaths paths() {
        return paths;
    }

    SessionReuse sessionReuse() {
        return sessionReuse;
    }

    boolean allowClearData() {
        return allowClearData;
    }

    Duration dataTimeout() {
        return dataTimeout;
    }

    /** Where blocking file work runs, never on an event loop. */
    EventExecutorGroup files() {
        return files;
    }

    /**
     * A context of the control connection's own for the certificate {@code serverName} maps to:
     * BoringSSL keeps sessions and ticket keys per context, so the only sessions a data connection
     * can resume are this control connection's. That makes "resumed" mean "the control
     * connection's session" for TLS 1.2 session ids and TLS 1.3 tickets alike, where a shared
     * context could not tell one client's session from another's. Built on the file executor.
     */
    CompletionStage<TlsServerContext> controlContext(String serverName) {
        return tls.lookup(serverName).thenApplyAsync(shared -> {
            if (shared == null) {
                return null;
            }
            try {
                TlsServerContext own = TlsServerContext.create(shared.options());
                issueTickets(own);
                return own;
            } catch (TlsException e) {
                throw new CompletionException(e);
            }
        }, files);
    }

    /**
     * Netty turns session tickets off, and BoringSSL resumes TLS 1.3 only from tickets: without
     * them no TLS 1.3 data connection could resume. BoringSSL makes and rotates the key itself.
     */
    private static void issueTickets(TlsServerContext context) throws TlsException {
        SSLSessionContext sessions = context.sslContext().sessionContext();
        if (!(sessions instanceof OpenSslSessionContext)) {
            throw TlsException.badConfiguration("--cert", "expected an OpenSSL session context for session tickets, found "
                    + (sessions == null ? "none" : sessions.getClass().getName()));
        }
        ((OpenSslSessionContext) sessions).setTicketKeys();
    }

    boolean login(String name, String pass) {
        // Both compared in full, so the time taken says nothing about which one was wrong.
        boolean nameOk = MessageDigest.isEqual(user.getBytes(StandardCharsets.UTF_8), name.getBytes(StandardCharsets.UTF_8));
        boolean passOk = MessageDigest.isEqual(password, pass.getBytes(StandardCharsets.UTF_8));
        return nameOk & passOk;
    }

    void log(String line) {
        synchronized (log) {
            log.println(line);
            log.flush();
        }
    }

    @Override
    public void close() {
        files.shutdownGracefully();
    }
}
