package org.nettytls.redis;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.nettytls.testing.Await;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/**
 * A throwaway {@code redis-server} on 127.0.0.1 for a test, in the foreground, persisting
 * nothing: plain or TLS, with or without a password. {@link #kill()} ends it as a crash would
 * ({@code SIGKILL}); {@link #start()} brings it back on the same port, empty. Skips the test when
 * redis-server is missing (fails it under {@code -Dnetty-tls.interop=required}).
 */
public final class RedisServer implements AutoCloseable {
    private final String program;
    private final int port;
    private final String password;
    private final Path tlsDir;
    private Process process;
    private final File log;

    /** @param tlsDir a folder with {@code redis.pem}, {@code redis.key} and {@code ca.pem} for TLS, or {@code null} */
    public RedisServer(String password, Path tlsDir) throws IOException {
        this.program = Interop.require("redis-server");
        this.port = freePort();
        this.password = password;
        this.tlsDir = tlsDir;
        this.log = File.createTempFile("redis-server", ".log");
        log.deleteOnExit();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://} or {@code rediss://} with the password, for {@link RedisFleet#builder}. */
    public String uri() {
        return (tlsDir != null ? "rediss://" : "redis://") + (password != null ? ":" + password + "@" : "") + "127.0.0.1:" + port;
    }

    public RedisServer start() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(program, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"));
        if (tlsDir != null) {
            cmd.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port),
                    "--tls-cert-file", tlsDir.resolve("redis.pem").toString(),
                    "--tls-key-file", tlsDir.resolve("redis.key").toString(),
                    "--tls-ca-cert-file", tlsDir.resolve("ca.pem").toString(), "--tls-auth-clients", "no"));
        } else {
            cmd.addAll(List.of("--port", Integer.toString(port)));
        }
        if (password != null) {
            cmd.addAll(List.of("--requirepass", password));
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        long deadline = System.nanoTime() + Await.EVENT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited: " + Processes.readLog(log.toPath()));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return this;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("redis-server did not listen on " + port + " within " + Await.EVENT.toSeconds()
                + " s: " + Processes.readLog(log.toPath()));
    }

    /** Ends the server at once, as a crash would. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
