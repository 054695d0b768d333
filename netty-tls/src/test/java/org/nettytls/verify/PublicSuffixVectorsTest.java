package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every row of public_suffix_vectors.tsv: {@code list min_suffix add input expected_suffix expected_rest note}. */
class PublicSuffixVectorsTest {
    static Stream<Vectors.Row> rows() {
        List<Vectors.Row> rows = Vectors.read("public_suffix_vectors.tsv");
        assertEquals(82, rows.size(), "public_suffix_vectors.tsv rows");
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matchesTheReference(Vectors.Row row) throws Exception {
        int minSuffix = Integer.parseInt(row.col(1));
        int add = Integer.parseInt(row.col(2));
        String input = row.col(3);
        String expectedSuffix = row.col(4);
        String expectedRest = row.col(5);

        PublicSuffix list = list(row.col(0)).withMinSuffix(minSuffix);
        if (row.col(6).contains("PSL-VERSION-SENSITIVE")) {
            // The row needs the rule *.bd of upstream's 2025 list. Our built-in list (httpclient5 5.6.5,
            // 2026-10-06) has "bd" with explicit second-level domains instead, so every such name's
            // suffix is "bd" there; the row's own expectation is checked with a list that has *.bd.
            assertEquals(Optional.of("bd"), list.publicSuffix(input, add).map(PublicSuffix.Split::suffix), row::toString);
            list = PublicSuffix.fromString("*.bd").withMinSuffix(minSuffix);
        }

        Optional<PublicSuffix.Split> split;
        switch (input) {
            case "<undef>":
                split = list.publicSuffix(null, add);
                break;
            case "<empty>":
                split = list.publicSuffix("", add);
                break;
            case "<empty-array>":
                split = list.publicSuffixOfLabels(List.of(), add);
                break;
            default:
                split = list.publicSuffix(input, add);
        }
        if (expectedSuffix.equals("<undef>")) {
            assertFalse(split.isPresent(), row::toString);
            return;
        }
        assertEquals(token(expectedSuffix), split.map(PublicSuffix.Split::suffix).orElse("<undef>"), row::toString);
        if (!expectedRest.equals("-")) {
            assertEquals(token(expectedRest), split.get().rest(), row::toString);
        }
    }

    private static String token(String s) {
        return s.equals("<empty>") ? "" : s;
    }

    private static PublicSuffix list(String spec) throws Exception {
        if (spec.equals("default")) {
            return PublicSuffix.builtIn();
        }
        return PublicSuffix.fromString(String.join("\n", spec.substring("rules:".length()).split(";")));
    }
}
