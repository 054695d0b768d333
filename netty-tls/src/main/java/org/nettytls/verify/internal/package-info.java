/**
 * Not API: how a peer is judged (chain building and validation, the security floor and profiles,
 * name constraints, CRLs, fingerprint pins, the order of the checks) and the trust manager that
 * judges inside the handshake. Exported only to netty-tls-ocsp, which checks CRLs from
 * distribution points with {@code CrlStore}.
 */
package org.nettytls.verify.internal;
