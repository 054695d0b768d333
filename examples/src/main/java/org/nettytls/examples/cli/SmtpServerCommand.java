package org.nettytls.examples.cli;

import io.netty.handler.codec.LineBasedFrameDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.nettytls.sni.SniMapping;
import org.nettytls.examples.starttls.ServerRunner;
import org.nettytls.examples.starttls.SmtpServerHandler;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code smtp-server}: SMTP with STARTTLS; mails go to a folder, or to standard output. */
@Command(name = "smtp-server", description = {"SMTP with STARTTLS (RFC 3207); AUTH only after TLS. Each mail is written to",
    "--maildir as N.eml, or printed when no folder is given."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls smtp-server --listen 127.0.0.1:2525 \\",
        "      --cert default=mail.pem,mail.key --maildir mails",
        "  swaks --server 127.0.0.1:2525 --tls --tls-ca-path ca.pem --to a@example.org"})
final class SmtpServerCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StartTlsServerOptions server;

    @Option(names = "--maildir", paramLabel = "DIR", description = "Folder for delivered mails.")
    Path maildir;

    @Override
    public Integer call() throws Exception {
        SniMapping tls = server.mapping();
        AtomicLong counter = new AtomicLong();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Consumer<String> sink = mail -> {
            if (maildir == null) {
                spec.commandLine().getOut().println("mail " + counter.incrementAndGet() + ":\n" + mail);
                spec.commandLine().getOut().flush();
                return;
            }
            long id = counter.incrementAndGet();
            // Off the event loop: files block.
            writer.execute(() -> {
                try {
                    Files.createDirectories(maildir);
                    Path tmp = maildir.resolve("." + id + ".tmp");
                    Files.writeString(tmp, mail, StandardCharsets.UTF_8);
                    // Renamed when complete, so a reader never sees half a mail.
                    Files.move(tmp, maildir.resolve(id + ".eml"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        };
        ServerRunner.serve(server.listen, server.transport(), spec.commandLine().getOut(), ch -> {
            StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
            ch.pipeline().addLast(starttls, new LineBasedFrameDecoder(8192), new SmtpServerHandler(starttls, tls, sink));
        });
        return Main.OK;
    }
}
