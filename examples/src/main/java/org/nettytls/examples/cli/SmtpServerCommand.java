package org.nettytls.examples.cli;

import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.nettytls.sni.SniMapping;
import org.nettytls.examples.starttls.MailSpool;
import org.nettytls.examples.starttls.SmtpServerHandler;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code smtp-server}: SMTP with STARTTLS; mails go to a folder, or to standard output. */
@Command(name = "smtp-server", description = {
    "Serve SMTP with STARTTLS (RFC 3207) and SIZE (RFC 1870), offering AUTH only after TLS.",
    "Each mail is streamed to --maildir as N.eml, or printed when no folder is given. Mails over --max-size get 552; "
            + "command lines with a bare CR or LF get 500."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls smtp-server --listen 127.0.0.1:2525 \\",
        "      --cert default=mail.pem,mail.key --maildir mails",
        "  swaks --server 127.0.0.1:2525 --tls --tls-ca-path ca.pem --to a@example.org"})
final class SmtpServerCommand extends StartTlsServerCommand {
    @Option(names = "--maildir", paramLabel = "DIR", description = "Folder for delivered mails.")
    Path maildir;

    @Option(names = "--max-size", paramLabel = "BYTES", description = "The largest mail taken (SIZE, RFC 1870); "
            + "larger ones get 552. Default: ${DEFAULT-VALUE}.")
    long maxSize = SmtpServerHandler.DEFAULT_MAX_SIZE;

    @Override
    void check() {
        if (maxSize <= 0) {
            throw UsageException.of("--max-size", maxSize + " (expected > 0)");
        }
    }

    @Override
    Server server(SniMapping tls, PrintWriter out) throws IOException {
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "smtp-server-mail-writer");
            t.setDaemon(true);
            return t;
        });
        // Without --maildir, mails are spooled to a temporary folder all the same and printed once complete.
        Path dir = maildir != null ? maildir : Files.createTempDirectory("netty-tls-smtp");
        if (maildir == null) {
            dir.toFile().deleteOnExit();
        }
        Consumer<Path> stored = maildir != null ? file -> { } : file -> {
            synchronized (out) {
                out.println("mail " + file.getFileName().toString().replace(".eml", "") + ":");
                try (java.io.Reader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
                    in.transferTo(out);
                } catch (IOException e) {
                    out.println("(cannot read " + file + ": " + e.getMessage() + ")");
                }
                out.flush();
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // A leftover in the temporary folder.
            }
        };
        MailSpool spool = new MailSpool(dir, writer, stored, line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        });
        return new Server() {
            @Override
            public void initChannel(SocketChannel ch) {
                StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
                ch.pipeline().addLast(starttls, SmtpServerHandler.newLineDecoder(), new SmtpServerHandler(starttls, tls, spool, maxSize));
            }

            @Override
            public void close() {
                writer.shutdown();
            }
        };
    }
}
