package org.nettytls.examples.cli;

import io.netty.handler.codec.LineBasedFrameDecoder;
import java.util.concurrent.Callable;
import org.nettytls.sni.SniMapping;
import org.nettytls.examples.starttls.LineServerHandler;
import org.nettytls.examples.starttls.ServerRunner;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code line-server}: ECHO, STARTTLS and STOPTLS on one connection, for start_SSL/stop_SSL peers. */
@Command(name = "line-server", description = {"A line protocol that upgrades and downgrades: ECHO text -> text, STARTTLS -> OK then TLS,",
    "STOPTLS -> OK then plaintext after the close_notify exchange, anything else -> ERR."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls line-server --listen 127.0.0.1:7000 --cert default=srv.pem,srv.key"})
final class LineServerCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    StartTlsServerOptions server;

    @Override
    public Integer call() throws Exception {
        SniMapping tls = server.mapping();
        ServerRunner.serve(server.listen, server.transport(), spec.commandLine().getOut(), ch -> {
            StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
            ch.pipeline().addLast(starttls, new LineBasedFrameDecoder(8192), new LineServerHandler(starttls, tls));
        });
        return Main.OK;
    }
}
