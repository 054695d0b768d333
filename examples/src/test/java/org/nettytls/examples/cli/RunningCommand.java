package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A server command run in this JVM through {@link Main#run}: its output, exit status and port. */
final class RunningCommand {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final CompletableFuture<Integer> status;
    final int port;

    /** Starts {@code args} and waits until it says {@code listening on 127.0.0.1:PORT}. */
    RunningCommand(String... args) {
        status = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(out), new PrintWriter(err), args));
        port = ServeCommandTest.awaitPort(out, err, status);
    }

    /** Waits up to {@code timeout} until the output contains every one of {@code lines}, failing with the output. */
    void awaitOutput(Duration timeout, String... lines) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Arrays.stream(lines).allMatch(out.toString()::contains)) {
            if (System.nanoTime() > deadline || status.isDone()) {
                throw new AssertionError("expected " + Arrays.toString(lines) + " in the output within " + timeout + ":\n"
                        + out + "\n" + err);
            }
            Thread.sleep(20);
        }
    }

    /** Waits for the exit (give the command --naccept), checks it was clean, and returns the output. */
    String finish() throws Exception {
        assertEquals(Main.OK, status.get(30, TimeUnit.SECONDS), () -> out + "\n" + err);
        assertEquals("", err.toString());
        return out.toString();
    }
}
