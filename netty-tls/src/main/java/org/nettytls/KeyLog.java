package org.nettytls;

import io.netty.handler.ssl.SslContext;
import io.netty.internal.tcnative.KeyLogCallback;
import io.netty.internal.tcnative.SSLContext;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.function.Consumer;
import org.nettytls.internal.TcnContext;

/**
 * Writes the secrets of every handshake in the NSS key log format ({@code SSLKEYLOGFILE}) that
 * Wireshark and tshark read to decrypt captures: {@code CLIENT_RANDOM} lines for TLS 1.2, the
 * {@code *_TRAFFIC_SECRET_0} lines for TLS 1.3. BoringSSL produces the lines; Netty 4.2 has no
 * option for them, so this sets tcnative's key-log callback on the context itself.
 *
 * <p><b>Please note:</b> a key log decrypts every connection it recorded. Use it for debugging
 * only, keep the file private (it is created owner-readable only where the file system allows),
 * and never leave it on in production.
 */
final class KeyLog {
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(KeyLog.class);
    private final Consumer<String> sink;

    private KeyLog(Consumer<String> sink) {
        this.sink = sink;
    }

    /** Appends lines to {@code file}, creating it. */
    static KeyLog toFile(Path file) {
        Objects.requireNonNull(file, "file");
        return new KeyLog(new FileSink(file));
    }

    /** Hands each line (without its newline) to {@code sink}, which must be thread-safe and quick. */
    static KeyLog to(Consumer<String> sink) {
        return new KeyLog(Objects.requireNonNull(sink, "sink"));
    }

    /** Logs the secrets of every handshake of {@code context} from now on. */
    void attachTo(SslContext context) {
        long ctx = TcnContext.handle(context, "a key log");
        // tcnative's callback interface stays out of this class's API: its handle(long, byte[]) takes raw SSL pointers.
        KeyLogCallback callback = (ssl, line) -> sink.accept(new String(line, StandardCharsets.US_ASCII));
        if (!SSLContext.setKeyLogCallback(ctx, callback)) {
            throw new IllegalStateException("this OpenSSL build cannot log keys");
        }
    }

    private static final class FileSink implements Consumer<String> {
        private final Path file;

        FileSink(Path file) {
            this.file = file;
        }

        @Override
        public synchronized void accept(String line) {
            boolean fresh = !Files.exists(file);
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // A debugging aid must not break the handshake it records.
                LOG.warn("cannot write the TLS key log {}: {}", file, e.toString());
            }
            if (fresh) {
                restrict(file);
            }
        }

        private static void restrict(Path file) {
            try {
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException | IOException e) {
                // Not a POSIX file system: the file keeps what the directory gives it.
            }
        }
    }
}
