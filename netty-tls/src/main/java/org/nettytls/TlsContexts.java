package org.nettytls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.ArrayList;
import java.util.List;
import org.nettytls.protocol.CipherList;
import org.nettytls.protocol.ProtocolVersions;

/** What turning either role's options into a Netty context shares. */
final class TlsContexts {
    private TlsContexts() {
    }

    static void applyCommon(SslContextBuilder b, TlsOptions options) {
        b.sslProvider(SslProvider.OPENSSL);
        b.protocols(options.versions().jdkNames());
        List<String> suites = new ArrayList<>(options.ciphers().suites());
        if (options.versions().allows(ProtocolVersions.Version.TLSv1_3)) {
            suites.addAll(CipherList.TLS13_SUITES);
        }
        // The list is already what BoringSSL expanded; Netty must take it as it is.
        b.ciphers(suites, IdentityCipherSuiteFilter.INSTANCE);
        b.enableOcsp(options.ocspStapling());
        if (!options.alpnProtocols().isEmpty()) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    options.alpnProtocols()));
        }
    }
}
