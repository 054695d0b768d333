package org.nettytls.starttls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.nettytls.cert.HeldCertificate;

/**
 * The other end of a connection, byte by byte: a blocking socket with the JDK's own SSLEngine
 * driven by hand, so a test decides exactly which bytes go into one write (a command injected
 * behind STARTTLS, plaintext right behind a close_notify) and sees every byte that comes back,
 * whether it came in plaintext or over TLS. Not thread-safe; every read has a deadline. Public for
 * the other modules' tests (an FTP client sending CCC and its close_notify in one segment).
 */
public final class EnginePeer implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Raw bytes read from the socket and not used yet. */
    private ByteBuffer raw = ByteBuffer.allocate(0);
    /** Decrypted bytes not handed out yet. */
    private final ByteArrayOutputStream plain = new ByteArrayOutputStream();
    private SSLEngine engine;

    private EnginePeer(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(10_000);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public static EnginePeer connect(int port) throws IOException {
        return new EnginePeer(new Socket("127.0.0.1", port));
    }

    public static EnginePeer accept(ServerSocket server) throws IOException {
        server.setSoTimeout(10_000);
        return new EnginePeer(server.accept());
    }

    /** A JDK context trusting {@code ca}, with {@code own} as the own certificate if not null. */
    public static SSLContext jdkContext(HeldCertificate ca, HeldCertificate own) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (own != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("own", own.privateKey(), new char[0], own.chain().toArray(new java.security.cert.Certificate[0]));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }

    /** Writes {@code text} as it is, in one write. */
    public void writePlain(String text) throws IOException {
        writeRaw(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads one plaintext line (without its LF) before TLS or after it ended. */
    public String readPlainLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (!raw.hasRemaining() && !fill()) {
                throw new IOException("connection closed after '" + sb + "'");
            }
            char c = (char) (raw.get() & 0xff);
            if (c == '\n') {
                return sb.toString();
            }
            sb.append(c);
        }
    }

    /** Reads plaintext until what was read ends with {@code end}; returns all of it. */
    public String readPlainUntil(String end) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < end.length() || !sb.substring(sb.length() - end.length()).equals(end)) {
            if (!raw.hasRemaining() && !fill()) {
                throw new IOException("connection closed after '" + sb + "', waiting for '" + end + "'");
            }
            sb.append((char) (raw.get() & 0xff));
        }
        return sb.toString();
    }

    /** Reads {@code n} plaintext bytes. */
    public byte[] readRaw(int n) throws IOException {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            if (!raw.hasRemaining() && !fill()) {
                throw new IOException("connection closed after " + i + " of " + n + " bytes");
            }
            out[i] = raw.get();
        }
        return out;
    }

    /** Every byte until the peer closes the connection (or resets it), as ISO-8859-1 text. */
    public String drainUntilClosed() throws IOException {
        try {
            while (fill()) {
                // keep reading
            }
        } catch (java.net.SocketException e) {
            // A reset ends the connection as well.
        }
        return unreadRaw();
    }

    /** The bytes received and not used yet, up to now. */
    public String unreadRaw() {
        byte[] b = new byte[raw.remaining()];
        raw.duplicate().get(b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private boolean fill() throws IOException {
        byte[] buf = new byte[16384];
        int n;
        try {
            n = in.read(buf);
        } catch (SocketTimeoutException e) {
            throw new IOException("nothing arrived within the socket timeout", e);
        }
        if (n < 0) {
            return false;
        }
        ByteBuffer b = ByteBuffer.allocate(raw.remaining() + n);
        b.put(raw).put(buf, 0, n).flip();
        raw = b;
        return true;
    }

    /** Runs a TLS handshake in {@code client} mode (or server mode) restricted to {@code protocol}. */
    public void startTls(SSLContext ctx, boolean client, String protocol) throws IOException {
        engine = client ? ctx.createSSLEngine("localhost", 0) : ctx.createSSLEngine();
        engine.setUseClientMode(client);
        engine.setEnabledProtocols(new String[] {protocol});
        engine.beginHandshake();
        while (true) {
            SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
            switch (hs) {
                case NEED_WRAP:
                    wrap(ByteBuffer.allocate(0));
                    break;
                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN:
                    if (!unwrapOnce()) {
                        throw new IOException("connection closed during the handshake");
                    }
                    break;
                case NEED_TASK:
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                    break;
                default:
                    return;
            }
        }
    }

    public String protocol() {
        return engine.getSession().getProtocol();
    }

    /** The encrypted bytes of {@code text}, not written. */
    public byte[] seal(String text) throws SSLException {
        return wrapToBytes(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** The close_notify record, not written. */
    public byte[] closeNotify() throws SSLException {
        engine.closeOutbound();
        return wrapToBytes(ByteBuffer.allocate(0));
    }

    public void writeTls(String text) throws IOException {
        writeRaw(seal(text));
    }

    /** Reads one line over TLS. */
    public String readTlsLine() throws IOException {
        while (true) {
            byte[] b = plain.toByteArray();
            for (int i = 0; i < b.length; i++) {
                if (b[i] == '\n') {
                    plain.reset();
                    plain.write(b, i + 1, b.length - i - 1);
                    return new String(b, 0, i, StandardCharsets.ISO_8859_1);
                }
            }
            if (engine.isInboundDone()) {
                throw new IOException("close_notify after '" + new String(b, StandardCharsets.ISO_8859_1) + "'");
            }
            if (!unwrapOnce()) {
                throw new IOException("connection closed over TLS after '" + new String(b, StandardCharsets.ISO_8859_1) + "'");
            }
        }
    }

    /** Reads TLS records until the peer's close_notify; returns what was decrypted before it. */
    public String awaitCloseNotify() throws IOException {
        while (!engine.isInboundDone()) {
            if (!unwrapOnce()) {
                throw new IOException("connection closed without close_notify");
            }
        }
        String before = plain.toString(StandardCharsets.ISO_8859_1);
        plain.reset();
        return before;
    }

    /** Ends TLS on this side: what follows on the socket is plaintext again. */
    public void dropTls() {
        engine = null;
    }

    private void wrap(ByteBuffer src) throws IOException {
        writeRaw(wrapToBytes(src));
    }

    private byte[] wrapToBytes(ByteBuffer src) throws SSLException {
        ByteArrayOutputStream result = new ByteArrayOutputStream();
        ByteBuffer dst = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        do {
            dst.clear();
            SSLEngineResult r = engine.wrap(src, dst);
            dst.flip();
            result.write(dst.array(), 0, dst.limit());
            if (r.getStatus() == SSLEngineResult.Status.CLOSED || r.bytesProduced() == 0 && !src.hasRemaining()) {
                break;
            }
        } while (src.hasRemaining() || engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP);
        return result.toByteArray();
    }

    /** Unwraps one record (reading from the socket as needed); false when the socket closed. */
    private boolean unwrapOnce() throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        while (true) {
            SSLEngineResult r = engine.unwrap(raw, dst);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                if (!fill()) {
                    return false;
                }
                continue;
            }
            dst.flip();
            plain.write(dst.array(), 0, dst.limit());
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public String toString() {
        return "EnginePeer(" + socket + ", unread " + Arrays.toString(unreadRaw().getBytes(StandardCharsets.ISO_8859_1)) + ")";
    }
}
