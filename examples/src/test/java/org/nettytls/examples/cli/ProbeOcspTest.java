package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code probe --ocsp-resolve} and {@code --ocsp-full-chain} against real {@code openssl ocsp}
 * responders (one for the intermediate's certificates, one for the root's), the server sending
 * no staple: a good certificate resolves good, a revoked one fails, and with the full chain a
 * revoked intermediate fails too; text and {@code --json}.
 */
class ProbeOcspTest {
    @TempDir
    Path dir;
    OcspPki pki;
    final List<RunningCommand> servers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (RunningCommand s : servers) {
            s.finish();
        }
        if (pki != null) {
            pki.close();
        }
    }

    /** A {@code serve} without stapling for {@code file}'s certificate, for {@code connections} probes. */
    private int serve(String file, int connections) {
        RunningCommand s = new RunningCommand("serve", "--listen", "127.0.0.1:0", "--echo", "--naccept",
                String.valueOf(connections), "--cert", "default=" + pki.path(file + ".pem") + "," + pki.path(file + ".key"));
        servers.add(s);
        return s.port;
    }

    /** probe's exit status, stdout and stderr. */
    private String[] probe(int port, String... options) {
        List<String> args = new ArrayList<>(List.of("probe", "localhost:" + port, "--ca", pki.path("root.pem")));
        args.addAll(List.of(options));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(new String[0]));
        return new String[] {String.valueOf(status), out.toString(), err.toString()};
    }

    private static JsonNode json(String[] r) throws Exception {
        return new ObjectMapper().readTree(r[1]);
    }

    @Test
    void theResolverAndTheFullChainAnswerGoodAndRevoked() throws Exception {
        pki = new OcspPki(dir, false);
        pki.leaf("good", "localhost", 0x2001, false, false);
        pki.leaf("revoked", "localhost", 0x2002, false, true);
        pki.start();
        int good = serve("good", 4);
        int revoked = serve("revoked", 4);

        for (String option : List.of("--ocsp-resolve", "--ocsp-full-chain")) {
            String[] text = probe(good, option);
            assertEquals("0", text[0], () -> String.join("\n", text));
            assertTrue(text[1].contains("ocsp:         good (resolver"), text[1]);
            String[] js = probe(good, option, "--json");
            assertEquals("0", js[0], () -> String.join("\n", js));
            assertTrue(json(js).get("ok").asBoolean(), js[1]);
            assertTrue(json(js).get("ocsp").asText().startsWith("good (resolver"), js[1]);

            String[] no = probe(revoked, option);
            assertEquals("1", no[0], () -> String.join("\n", no));
            assertTrue(no[2].contains("revoked") && no[2].contains("keyCompromise"), no[2]);
            assertTrue(no[2].strip().endsWith("[revoked]"), no[2]);
            String[] noJs = probe(revoked, option, "--json");
            assertEquals("1", noJs[0], () -> String.join("\n", noJs));
            JsonNode n = json(noJs);
            assertTrue(!n.get("ok").asBoolean(), noJs[1]);
            assertEquals("revoked", n.get("error").get("code").asText(), noJs[1]);
        }
    }

    @Test
    void theFullChainFailsOnARevokedIntermediateThatTheLeafAloneDoesNotShow() throws Exception {
        pki = new OcspPki(dir, true);
        pki.leaf("good", "localhost", 0x2003, false, false);
        pki.start();
        int port = serve("good", 4);

        String[] leafOnly = probe(port, "--ocsp-resolve");
        assertEquals("0", leafOnly[0], () -> String.join("\n", leafOnly));
        assertTrue(leafOnly[1].contains("ocsp:         good (resolver"), leafOnly[1]);

        String[] full = probe(port, "--ocsp-full-chain");
        assertEquals("1", full[0], () -> String.join("\n", full));
        assertTrue(full[2].contains("Serve OCSP CA") && full[2].contains("revoked"), full[2]);
        assertTrue(full[2].strip().endsWith("[revoked]"), full[2]);
        String[] fullJs = probe(port, "--ocsp-full-chain", "--json");
        assertEquals("1", fullJs[0], () -> String.join("\n", fullJs));
        assertEquals("revoked", json(fullJs).get("error").get("code").asText(), fullJs[1]);
        assertTrue(json(fullJs).get("error").get("message").asText().contains("Serve OCSP CA"), fullJs[1]);

        String[] leafJs = probe(port, "--ocsp-resolve", "--json");
        assertEquals("0", leafJs[0], () -> String.join("\n", leafJs));
    }

    /**
     * The same checks after STARTTLS as over direct TLS (issue 16: this said {@code "ok": true,
     * "ocsp": "not checked"} and exit 0 for a revoked server).
     */
    @Test
    void starttlsRunsTheResolverAndFailsHardLikeDirectTls() throws Exception {
        pki = new OcspPki(dir, false);
        pki.leaf("good", "localhost", 0x2004, false, false);
        pki.leaf("revoked", "localhost", 0x2005, false, true);
        pki.start();
        // smtp-server has no --naccept: these run until the JVM ends, as in StartTlsServersTest.
        int good = new RunningCommand("smtp-server", "--listen", "127.0.0.1:0", "--cert",
                "default=" + pki.path("good.pem") + "," + pki.path("good.key")).port;
        int revoked = new RunningCommand("smtp-server", "--listen", "127.0.0.1:0", "--cert",
                "default=" + pki.path("revoked.pem") + "," + pki.path("revoked.key")).port;

        String[] ok = probe(good, "--starttls", "smtp", "--ocsp-resolve", "--ocsp-fail-hard");
        assertEquals("0", ok[0], () -> String.join("\n", ok));
        assertTrue(ok[1].contains("ocsp:         good (resolver"), ok[1]);

        String[] no = probe(revoked, "--starttls", "smtp", "--ocsp-resolve", "--ocsp-fail-hard");
        assertEquals("1", no[0], () -> String.join("\n", no));
        assertTrue(no[2].contains("revoked") && no[2].strip().endsWith("[revoked]"), no[2]);
        String[] noJs = probe(revoked, "--starttls", "smtp", "--ocsp-resolve", "--ocsp-fail-hard", "--json");
        assertEquals("1", noJs[0], () -> String.join("\n", noJs));
        assertTrue(!json(noJs).get("ok").asBoolean(), noJs[1]);
        assertEquals("revoked", json(noJs).get("error").get("code").asText(), noJs[1]);
    }
}
