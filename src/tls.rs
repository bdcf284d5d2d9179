//! Every outbound HTTP client starts here, so that TLS has one crypto provider: rustls with
//! `ring`. reqwest's own `rustls` feature would pick aws-lc-rs, whose C library (built with
//! cmake) was the slowest part of a cold build; with `rustls-no-provider` reqwest uses the
//! provider installed for the process, and panics when building a client if there is none.

use std::sync::Once;

/// A `reqwest` client builder, with `ring` installed as the process's TLS provider first.
// The one place allowed to call `Client::builder` (clippy.toml refuses it everywhere else).
#[allow(clippy::disallowed_methods)]
pub fn client_builder() -> reqwest::ClientBuilder {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // `Err` means a provider was installed already (by the program embedding us):
        // reqwest uses that one, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_client_with_tls_builds() {
        // Without a provider installed, reqwest panics in `build`.
        let client = super::client_builder().build();
        assert!(client.is_ok(), "{client:?}");
    }
}
