package org.nettytls.examples.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.nettytls.TlsCapabilities;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code capabilities}: what the TLS engine of this build supports, under the reference's {@code can_*} names. */
@Command(name = "capabilities", description = {
    "Print what the TLS engine supports.",
    "The answers of IO::Socket::SSL's can_client_sni, can_server_sni, can_npn, can_alpn, can_ecdh, can_ocsp and "
            + "can_ticket_keycb, plus TLS 1.3, the key log and the key exchange groups on offer. Exit 1 when the engine "
            + "cannot be loaded."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
            "  netty-tls capabilities",
            "  netty-tls capabilities --json"})
final class CapabilitiesCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print them as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        TlsCapabilities c = TlsCapabilities.current();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(Json.write(c.byName()));
        } else {
            for (Map.Entry<String, Object> e : c.byName().entrySet()) {
                Object v = e.getValue();
                String shown = v instanceof Boolean ? ((Boolean) v ? "yes" : "no")
                        : v instanceof List<?> ? ((List<?>) v).stream().map(String::valueOf).collect(Collectors.joining(" "))
                        : String.valueOf(v);
                out.printf("%-17s %s%n", e.getKey() + ":", shown);
            }
        }
        out.flush();
        return c.available() ? Main.OK : Main.FAILURE;
    }
}
