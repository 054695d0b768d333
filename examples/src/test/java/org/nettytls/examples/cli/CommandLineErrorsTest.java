package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nettytls.cert.HeldCertificate;
import picocli.CommandLine;

/**
 * Every command's help has examples, and every command answers an unknown option, a bad
 * HOST:PORT and an unreadable file with one line on stderr and exit 2, never a stack trace.
 */
class CommandLineErrorsTest {
    @TempDir
    static Path dir;
    static String cert;
    static String key;
    static String caPrefix;
    private static final String MISSING = "/nonexistent-netty-tls/missing.pem";

    @BeforeAll
    static void files() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Errors CA").certificateAuthority(0).build();
        ca.writeTo(dir.resolve("ca"));
        caPrefix = dir.resolve("ca").toString();
        List<Path> f = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(ca).build()
                .writeTo(dir.resolve("server"));
        cert = f.get(0).toString();
        key = f.get(1).toString();
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> Main.run(new PrintWriter(out), new PrintWriter(err), args),
                () -> String.join(" ", args) + " did not end: it should have refused its input");
        return new String[] {String.valueOf(status), out.toString(), err.toString()};
    }

    /** Every command and subcommand, as the words that name it. */
    static List<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        collect(new CommandLine(new Main()), new ArrayList<>(), all);
        return all;
    }

    private static void collect(CommandLine cl, List<String> prefix, List<List<String>> out) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            List<String> words = new ArrayList<>(prefix);
            words.add(sub.getCommandName());
            out.add(words);
            collect(sub, words, out);
        }
    }

    @Test
    void everyCommandHasHelpWithExamples() {
        List<List<String>> commands = commands();
        assertTrue(commands.size() >= 12, commands::toString);
        for (List<String> command : commands) {
            List<String> args = new ArrayList<>(command);
            args.add("--help");
            String[] r = run(args.toArray(new String[0]));
            assertEquals("0", r[0], command + ": " + r[2]);
            assertEquals("", r[2], command.toString());
            assertTrue(r[1].startsWith("Usage: netty-tls " + String.join(" ", command)), command + ":\n" + r[1]);
            int examples = r[1].indexOf("\nExamples (netty-tls is java -jar examples/target/netty-tls.jar):\n");
            assertTrue(examples > 0, command + " --help has an Examples section:\n" + r[1]);
            String after = r[1].substring(r[1].indexOf('\n', examples + 1) + 1);
            for (String line : after.lines().toList()) {
                assertTrue(line.startsWith("  ") && line.length() <= 80, command + ": an example line picocli had to wrap: " + line);
            }
            assertTrue(after.contains(" " + command.get(command.size() - 1) + " ") || after.contains(" " + command.get(0) + " "),
                    command + ": the examples use the command:\n" + after);
        }
    }

    @Test
    void everyCommandRefusesAnUnknownOption() {
        for (List<String> command : commands()) {
            List<String> args = new ArrayList<>(command);
            args.add("--no-such-option");
            expectUsageError(args, "--no-such-option");
        }
        expectUsageError(List.of("--no-such-option"), "--no-such-option");
    }

    static Stream<Arguments> badHostPort() {
        return Stream.of(
                Arguments.of(List.of("probe", "localhost"), "localhost"),
                Arguments.of(List.of("probe", "localhost:99999"), "99999"),
                Arguments.of(List.of("probe", "localhost:http"), "http"),
                Arguments.of(List.of("probe", "[::1]443"), "[::1]443"),
                Arguments.of(List.of("serve", "--listen", "nowhere", "--cert", "default=" + cert + "," + key, "--echo"), "nowhere"),
                Arguments.of(List.of("serve", "--listen", "127.0.0.1:70000", "--cert", "default=" + cert + "," + key, "--echo"), "70000"),
                Arguments.of(List.of("serve", "--listen", "127.0.0.1:0", "--cert", "default=" + cert + "," + key, "--upstream", "nohost"),
                        "nohost"),
                Arguments.of(List.of("smtp-server", "--listen", "nowhere", "--cert", "default=" + cert + "," + key), "nowhere"),
                Arguments.of(List.of("smtp-server", "--listen", "127.0.0.1:x", "--cert", "default=" + cert + "," + key), "x"),
                Arguments.of(List.of("line-server", "--listen", "127.0.0.1:-1", "--cert", "default=" + cert + "," + key), "-1"),
                Arguments.of(List.of("ftp-server", "--listen", "127.0.0.1:65536", "--cert", "default=" + cert + "," + key, "--root",
                        dir.toString(), "--user", "a:b"), "65536"),
                Arguments.of(List.of("intercept-proxy", "--listen", "nowhere", "--ca", caPrefix, "--allow", "localhost:443"), "nowhere"),
                Arguments.of(List.of("intercept-proxy", "--ca", caPrefix, "--allow", "localhost:https"), "localhost:https"),
                Arguments.of(List.of("intercept-proxy", "--ca", caPrefix, "--allow", "a.*.org:443"), "a.*.org:443"),
                Arguments.of(List.of("intercept-proxy", "--ca", caPrefix), "--allow"));
    }

    @ParameterizedTest
    @MethodSource("badHostPort")
    void aBadHostPortIsOneLineAndExitTwo(List<String> args, String mentions) {
        expectUsageError(args, mentions);
    }

    /** Options that the commands check themselves (not picocli): a usage error, never a TLS error code. */
    static Stream<Arguments> commandUsageErrors() {
        String good = "default=" + cert + "," + key;
        return Stream.of(
                Arguments.of(List.of("probe", "localhost:443", "--verify", "maybe"), "--verify"),
                Arguments.of(List.of("probe", "localhost:443", "--ocsp", "always"), "--ocsp"),
                Arguments.of(List.of("probe", "localhost:443", "--profile", "strict"), "--profile"),
                Arguments.of(List.of("probe", "localhost:443", "--key", key), "--key"),
                Arguments.of(List.of("probe", "localhost:0"), "port 0"),
                Arguments.of(List.of("cert", "ca", "--out", dir.resolve("x").toString(), "--days", "0"), "--days"),
                Arguments.of(List.of("cert", "ca", "--out", dir.resolve("x").toString(), "--intermediates", "-1"), "--intermediates"),
                Arguments.of(List.of("smtp-server", "--cert", good, "--max-size", "0"), "--max-size"),
                Arguments.of(List.of("ftp-server", "--cert", good, "--root", dir.toString(), "--user", "nobody"), "--user"),
                Arguments.of(List.of("line-server", "--cert", "default"), "--cert"),
                Arguments.of(List.of("serve", "--listen", "127.0.0.1:0", "--cert", good, "--echo", "--log-format", "xml"),
                        "--log-format"),
                Arguments.of(List.of("serve", "--listen", "127.0.0.1:0", "--cert", good, "--upstream", "127.0.0.1:0"), "port 0"));
    }

    @ParameterizedTest
    @MethodSource("commandUsageErrors")
    void aCommandsOwnCheckIsAUsageError(List<String> args, String mentions) {
        expectUsageError(args, mentions);
        String err = run(args.toArray(new String[0]))[2];
        assertTrue(err.strip().endsWith("[usage]"), err);
        assertTrue(err.startsWith("error: " + args.get(args.get(0).equals("cert") ? 1 : 0) + ": "), "names the command: " + err);
    }

    static Stream<Arguments> unreadableFiles() {
        String good = "default=" + cert + "," + key;
        return Stream.of(
                Arguments.of(List.of("fingerprint", MISSING)),
                Arguments.of(List.of("verify-hostname", "localhost", MISSING)),
                Arguments.of(List.of("verify-hostname", "--batch", MISSING)),
                Arguments.of(List.of("verify-hostname", "--public-suffix", MISSING, "localhost", cert)),
                Arguments.of(List.of("cert", "issue", "--ca", MISSING.replace(".pem", ""), "--out", dir.resolve("x").toString(),
                        "--cn", "x")),
                Arguments.of(List.of("cert", "ca", "--out", MISSING.replace(".pem", ""))),
                Arguments.of(List.of("probe", "localhost:1", "--ca", MISSING)),
                Arguments.of(List.of("probe", "localhost:1", "--cert", MISSING)),
                Arguments.of(List.of("probe", "localhost:1", "--crl", MISSING)),
                Arguments.of(List.of("probe", "localhost:1", "--public-suffix", MISSING)),
                Arguments.of(List.of("serve", "--listen", "127.0.0.1:0", "--cert", "default=" + MISSING, "--echo")),
                Arguments.of(List.of("serve", "--listen", "127.0.0.1:0", "--cert", good, "--client-ca", MISSING, "--echo")),
                Arguments.of(List.of("smtp-server", "--cert", "default=" + MISSING)),
                Arguments.of(List.of("line-server", "--cert", "default=" + cert + "," + MISSING)),
                Arguments.of(List.of("ftp-server", "--cert", "default=" + MISSING, "--root", dir.toString(), "--user", "a:b")),
                Arguments.of(List.of("ftp-server", "--cert", good, "--root", MISSING, "--user", "a:b")),
                Arguments.of(List.of("intercept-proxy", "--ca", MISSING.replace(".pem", ""), "--allow", "localhost:443")),
                Arguments.of(List.of("intercept-proxy", "--ca", caPrefix, "--upstream-ca", MISSING, "--allow", "localhost:443")));
    }

    @ParameterizedTest
    @MethodSource("unreadableFiles")
    void anUnreadableFileIsOneLineAndExitTwo(List<String> args) {
        expectUsageError(args, "/nonexistent-netty-tls/missing");
    }

    private static void expectUsageError(List<String> args, String mentions) {
        String[] r = run(args.toArray(new String[0]));
        String what = String.join(" ", args) + "\nexit " + r[0] + "\nout: " + r[1] + "\nerr: " + r[2];
        assertEquals("2", r[0], what);
        assertEquals("", r[1], what);
        assertEquals(1, r[2].lines().count(), "one line: " + what);
        assertTrue(r[2].startsWith("error: ") && r[2].strip().endsWith("]"), what);
        assertTrue(r[2].contains(mentions), "names '" + mentions + "': " + what);
        assertFalse(r[2].contains("Exception") || r[2].contains("\tat "), "no stack trace or exception name: " + what);
    }
}
