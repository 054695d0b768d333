package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nettytls.testing.Processes;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The help text is written once, in paragraphs that picocli wraps: each description element is a
 * whole paragraph (no hard line breaks for picocli to wrap again), each command's summary a whole
 * sentence, and no help makes picocli print a warning (an unescaped {@code %} does).
 */
class HelpTextTest {
    /** Every command, the top one first, as the words that name it. */
    private static List<List<String>> commands() {
        List<List<String>> all = new ArrayList<>();
        all.add(List.of());
        all.addAll(CommandLineErrorsTest.commands());
        return all;
    }

    private static CommandSpec spec(List<String> words) {
        CommandLine cl = new CommandLine(new Main());
        for (String w : words) {
            cl = cl.getSubcommands().get(w);
        }
        return cl.getCommandSpec();
    }

    @Test
    void descriptionsAreWholeParagraphs() {
        for (List<String> command : commands()) {
            CommandSpec spec = spec(command);
            String[] description = spec.usageMessage().description();
            assertTrue(description.length > 0, command + " has a description");
            String summary = description[0];
            assertTrue(Character.isUpperCase(summary.charAt(0)) && summary.endsWith("."),
                    command + ": the summary that the command list shows is a whole sentence: " + summary);
            for (String paragraph : description) {
                assertTrue(paragraph.isEmpty() || paragraph.endsWith("."),
                        command + ": a description element is a whole paragraph, not a line picocli wraps again: " + paragraph);
            }
            List<ArgSpec> args = new ArrayList<>(spec.options());
            args.addAll(spec.positionalParameters());
            for (ArgSpec arg : args) {
                String[] d = arg.description();
                String name = arg.isOption() ? ((CommandLine.Model.OptionSpec) arg).longestName() : arg.paramLabel();
                assertEquals(1, d.length, command + " " + name + ": one paragraph, wrapped by picocli: " + List.of(d));
                assertTrue(d[0].endsWith(".") || d[0].endsWith(")"), command + " " + name + ": a whole sentence: " + d[0]);
            }
        }
    }

    @Test
    void noHelpPrintsAPicocliWarning() throws Exception {
        // picocli warns on the process's stderr, captured when it loads, not on the command line's writers: a JVM of its own.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Processes.Result r = Processes.run(null, Duration.ofSeconds(120), null,
                List.of(java.toString(), "-cp", System.getProperty("java.class.path"), EveryHelp.class.getName()));
        assertEquals("", r.stderr, "no command's --help writes to stderr");
        assertEquals(0, r.exit, r.toString());
        assertEquals(String.valueOf(commands().size()), r.stdout.strip(),
                "every command's help ran");
    }

    /** Prints every command's --help into a discarded writer, then how many there were. */
    public static final class EveryHelp {
        public static void main(String[] args) {
            int n = 0;
            for (List<String> command : commands()) {
                List<String> words = new ArrayList<>(command);
                words.add("--help");
                StringWriter sink = new StringWriter();
                if (Main.run(new PrintWriter(sink), new PrintWriter(sink), words.toArray(new String[0])) != Main.OK) {
                    System.err.println(command + " --help failed: " + sink);
                }
                n++;
            }
            System.out.println(n);
        }
    }
}
