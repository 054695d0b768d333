package org.nettytls.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.acme.Pebble;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.cert.Pem;
import org.nettytls.examples.cli.Main;
import org.nettytls.examples.cli.RunningCommand;

/**
 * {@code serve --acme --ocsp-staple}: a certificate pebble issues names an OCSP responder
 * (pebble's {@code ocspResponderURL}; pebble answers none itself, so the demo's responder answers
 * here, signing with pebble's intermediate key from its management port), and the managed
 * certificate is stapled once issued, as a file certificate is after a reload: {@code probe
 * --ocsp must-staple} verifies the staple.
 */
class ServeAcmeOcspTest {
    @TempDir
    Path dir;

    @Test
    void aManagedCertificateIsStapledWhenItsIssuerOffersOcsp() throws Exception {
        int port = Pebble.freeTcpPort();
        int ocspPort = Pebble.freeTcpPort();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (Pebble pebble = Pebble.start(Files.createDirectories(dir.resolve("pebble")), new Pebble.Config().tlsPort(port)
                .ocspUrl("http://127.0.0.1:" + ocspPort + "/ocsp"))) {
            KeyMaterial intermediate = pebble.intermediate();
            HeldCertificate issuer = HeldCertificate.of(intermediate.leaf(),
                    new KeyPair(intermediate.leaf().getPublicKey(), intermediate.key()), List.of());
            try (DemoOcspResponder responder = new DemoOcspResponder(group, issuer, Set.of(), ocspPort)) {
                Path root = dir.resolve("root.pem");
                Files.writeString(root, Pem.certificate(pebble.issuingRoot()));
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(out),
                        new PrintWriter(err), "serve", "--listen", "127.0.0.1:" + port, "--echo", "--naccept", "50",
                        "--acme", pebble.directory().toString(), "--acme-dir", dir.resolve("acme").toString(),
                        "--acme-ca", pebble.httpsCaFile().toString(), "--acme-domain", "o.acme.test", "--ocsp-staple"));
                await(out, err, status, "acme: issued o.acme.test", "ocsp: new certificate o.acme.test");
                String probe = "";
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                int code = -1;
                // The staple arrives asynchronously after the reload: probe until it is there.
                while (code != Main.OK && System.nanoTime() < deadline) {
                    StringWriter p = new StringWriter();
                    code = Main.run(new PrintWriter(p), new PrintWriter(new StringWriter()), "probe", "127.0.0.1:" + port,
                            "--servername", "o.acme.test", "--ca", root.toString(), "--ocsp", "must-staple");
                    probe = p.toString();
                    Thread.sleep(200);
                }
                assertEquals(Main.OK, code, probe + "\n" + out);
                assertTrue(probe.contains("ocsp:         good (staple"), probe);
                assertTrue(responder.answered() > 0);
                RunningCommand.connectUntilExit(status, port);
                assertEquals(Main.OK, status.get(30, TimeUnit.SECONDS), out + "\n" + err);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void await(StringWriter out, StringWriter err, CompletableFuture<Integer> status, String... lines)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!java.util.Arrays.stream(lines).allMatch(out.toString()::contains)) {
            if (System.nanoTime() > deadline || status.isDone()) {
                throw new AssertionError("expected " + List.of(lines) + ":\n" + out + "\n" + err);
            }
            Thread.sleep(20);
        }
    }
}
