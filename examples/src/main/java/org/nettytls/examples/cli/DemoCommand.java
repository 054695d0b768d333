package org.nettytls.examples.cli;

import java.util.concurrent.Callable;
import org.nettytls.examples.demo.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code demo}: the main job on loopback with nothing to set up. */
@Command(name = "demo", description = {
    "Mint a PKI, run netty-tls servers on 127.0.0.1 and drive verifying clients at them.",
    "The checks include connections that must fail; one line per check, then a summary. Exit 0 when all behaved."},
        footerHeading = "%nExamples (netty-tls is java -jar examples/target/netty-tls.jar):%n", footer = {
        "  netty-tls demo",
        "  netty-tls demo && echo 'every check behaved'"})
final class DemoCommand implements Callable<Integer> {
    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return new Demo(spec.commandLine().getOut()).run() ? Main.OK : Main.FAILURE;
    }
}
