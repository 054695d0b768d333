package org.nettytls.examples.cli;

import io.netty.handler.codec.LineBasedFrameDecoder;
import java.io.PrintWriter;
import org.nettytls.examples.starttls.LineServerHandler;
import org.nettytls.sni.SniMapping;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsHandler;
import picocli.CommandLine.Command;

/** {@code line-server}: ECHO, STARTTLS and STOPTLS on one connection, for start_SSL/stop_SSL peers. */
@Command(name = "line-server", description = {
    "Serve a line protocol that upgrades to TLS and back to plaintext on one connection.",
    "ECHO text is answered with text; STARTTLS with OK in plaintext, then TLS starts; STOPTLS with OK over TLS, "
            + "then plaintext follows the close_notify exchange; anything else with ERR."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls line-server --listen 127.0.0.1:7000 --cert default=srv.pem,srv.key"})
final class LineServerCommand extends StartTlsServerCommand {
    @Override
    Server server(SniMapping tls, PrintWriter out) {
        return ch -> {
            StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
            ch.pipeline().addLast(starttls, new LineBasedFrameDecoder(8192), new LineServerHandler(starttls, tls));
        };
    }
}
