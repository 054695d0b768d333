package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every row of verify_hostname_vectors.tsv: {@code scheme hostname cn san expected note}. */
class HostnameVerificationVectorsTest {
    static Stream<Vectors.Row> rows() {
        List<Vectors.Row> rows = Vectors.read("verify_hostname_vectors.tsv");
        assertEquals(150, rows.size(), "verify_hostname_vectors.tsv rows");
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matchesTheReference(Vectors.Row row) throws Exception {
        HostnameScheme scheme = SchemeSpec.parse(row.col(0));
        String cn = row.col(2).isEmpty() ? null : row.col(2);
        X509Certificate cert = TestCertificates.mint(cn, TestCertificates.splitSans(row.col(3)));
        HostnameVerification.Result r = HostnameVerification.check(row.col(1), cert, scheme, PublicSuffix.builtIn());
        assertEquals(row.col(4).equals("1"), r.matched(), () -> row + " -> " + r.describe());
    }
}
