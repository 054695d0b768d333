package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** A server command run in this JVM through {@link Main#run}: its output, exit status and port. */
public final class RunningCommand {
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

    /**
     * Ends a {@code serve} started with {@code --naccept N} on {@code port}: opens and resets plain
     * connections until {@code status} is done, for at most 30 seconds.
     */
    public static void connectUntilExit(Future<?> status, int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!status.isDone() && System.nanoTime() < deadline) {
            // One byte: serve's listeners defer accepting (TCP_DEFER_ACCEPT) until a client has sent something.
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write('\n');
                s.setSoLinger(true, 0);
            } catch (IOException gone) {
                // Closed meanwhile: the command is exiting.
            }
            Thread.sleep(5);
        }
    }

    /** Waits for the exit (give the command --naccept), checks it was clean, and returns the output. */
    String finish() throws Exception {
        assertEquals(Main.OK, status.get(30, TimeUnit.SECONDS), () -> out + "\n" + err);
        assertEquals("", err.toString());
        return out.toString();
    }
}
