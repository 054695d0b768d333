/**
 * Who the peer is: hostname schemes ({@code SSL_verifycn_scheme}) and the rules they apply
 * ({@link org.nettytls.verify.HostnameScheme}, {@link org.nettytls.verify.HostnameVerification}),
 * the public suffix list ({@code SSL_verifycn_publicsuffix}), the security floor and validation
 * profiles, and the ways to add checks: {@link org.nettytls.verify.VerifyCallback}
 * ({@code SSL_verify_callback}) and {@link org.nettytls.verify.PeerCheck} inside the handshake,
 * {@link org.nettytls.verify.IdentityGate} for checks that must wait until after it. The options
 * (in {@link org.nettytls}) say which apply; the machinery that applies them is not API.
 */
package org.nettytls.verify;
