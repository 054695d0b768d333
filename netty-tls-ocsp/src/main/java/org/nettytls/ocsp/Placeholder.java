package org.nettytls.ocsp;
final class Placeholder {}
