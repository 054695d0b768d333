package org.nettytls.cert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/** Runs the real openssl CLI in a working directory, so test files are what users really have. */
final class OpenSsl {
    private final String openssl;
    private final Path dir;

    OpenSsl(Path dir) {
        this.openssl = Interop.require("openssl");
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    /** Runs {@code openssl args...}; fails the test with everything openssl printed if it fails. */
    String run(String... args) {
        return exec(args).expectSuccess().output();
    }

    Result tryRun(String... args) {
        Processes.Result r = exec(args);
        return new Result(r.exit, r.output());
    }

    private Processes.Result exec(String... args) {
        List<String> command = new ArrayList<>();
        command.add(openssl);
        command.addAll(List.of(args));
        return Processes.run(dir, Duration.ofSeconds(120), new byte[0], command);
    }

    /** A self-signed CA: {@code name.pem}, {@code name.key}. */
    void ca(String name) {
        run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".pem",
                "-subj", "/CN=" + name, "-days", "30",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    /** A certificate for a new key of {@code keyAlg} ({@code rsa:2048} or {@code ec}) signed by {@code issuer}. */
    void issue(String name, String issuer, String keyAlg, String extensions) throws IOException {
        if (keyAlg.equals("ec")) {
            run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
        } else {
            run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name + ".key");
        }
        run("req", "-new", "-key", name + ".key", "-subj", "/CN=" + name, "-out", name + ".csr");
        Files.writeString(file(name + ".ext"), extensions + "\n");
        run("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key",
                "-CAcreateserial", "-days", "10", "-extfile", name + ".ext", "-out", name + ".pem");
    }

    Path concat(String name, String... parts) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String part : parts) {
            sb.append(Files.readString(file(part)));
        }
        Files.writeString(file(name), sb.toString());
        return file(name);
    }

    static final class Result {
        final int status;
        final String output;

        Result(int status, String output) {
            this.status = status;
            this.output = output;
        }
    }
}
